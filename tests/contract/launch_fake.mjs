// Starts Seam's published fake (@seamapi/fake-seam-connect) for the contract tests.
//
//   node launch_fake.mjs [--port N] [--extra-devices N]
//
// Prints one JSON line on stdout once the server answers:
//   {"url", "api_key", "workspace_id", "device_id", "device_count"}
// and stays up until stdin closes (the test process exited) or SIGTERM/SIGINT arrives.
import http from "node:http"
import net from "node:net"
import process from "node:process"

import { createFake } from "@seamapi/fake-seam-connect"

const HOST = "127.0.0.1"

const parseArgs = (argv) => {
  const options = { port: 0, extraDevices: 600 }
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], Number(argv[i + 1])]
    if (!Number.isInteger(value) || value < 0) throw new Error(`Bad value for ${flag}: ${argv[i + 1]}`)
    if (flag === "--port") options.port = value
    else if (flag === "--extra-devices") options.extraDevices = value
    else throw new Error(`Unknown option ${flag}`)
  }
  return options
}

// The fake must know its own URL up front (it builds next_page_url and webview URLs from it), so a
// requested port of 0 is resolved to a free loopback port first.
const freeLoopbackPort = () =>
  new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.once("error", reject)
    probe.listen(0, HOST, () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })

// startServer() calls `server.listen(port, callback)`, i.e. every interface, and has no host option.
// Patching listen for the duration of the call makes the socket loopback-only from the first moment,
// instead of binding publicly and re-binding afterwards.
const startOnLoopback = async (fake, port) => {
  const proto = http.Server.prototype
  const hadOwnListen = Object.hasOwn(proto, "listen")
  const originalListen = proto.listen
  proto.listen = function listenOnLoopback(...args) {
    if (typeof args[0] === "number" && typeof args[1] === "function") {
      return originalListen.call(this, args[0], HOST, args[1])
    }
    return originalListen.apply(this, args)
  }
  try {
    return await fake.startServer({ port, baseUrl: `http://${HOST}:${port}` })
  } finally {
    if (hadOwnListen) proto.listen = originalListen
    else delete proto.listen
  }
}

const addDevices = (fake, seed, count) => {
  // Distinct created_at values keep the fake's (created_at, device_id) page order deterministic.
  const start = Date.parse("2024-01-01T00:00:00Z")
  for (let i = 0; i < count; i += 1) {
    const n = String(i + 1).padStart(4, "0")
    fake.database.addDevice({
      device_id: `contract_august_device_${n}`,
      connected_account_id: seed.john_connected_account_id,
      device_type: "august_lock",
      name: `Contract Door ${n}`,
      workspace_id: seed.seed_workspace_1,
      created_at: new Date(start + i * 1000).toISOString(),
      can_remotely_lock: true,
      can_remotely_unlock: true,
      can_program_online_access_codes: true,
      properties: { name: `Contract Door ${n}`, manufacturer: "august", locked: true },
    })
  }
}

const main = async () => {
  const options = parseArgs(process.argv.slice(2))
  const fake = await createFake()
  const seed = await fake.seed()
  addDevices(fake, seed, options.extraDevices)

  const port = options.port || (await freeLoopbackPort())
  const server = await startOnLoopback(fake, port)
  const address = server.server.address()
  if (address?.address !== HOST) {
    await fake.stopServer()
    throw new Error(`Fake bound to ${JSON.stringify(address)} instead of ${HOST}`)
  }

  const deviceCount = fake.database.devices.filter((d) => d.workspace_id === seed.seed_workspace_1).length
  process.stdout.write(
    `${JSON.stringify({
      url: `http://${HOST}:${address.port}`,
      api_key: seed.seam_apikey1_token,
      workspace_id: seed.seed_workspace_1,
      device_id: seed.august_device_1,
      device_count: deviceCount,
    })}\n`,
  )

  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    await fake.stopServer()
    process.exit(0)
  }
  process.on("SIGTERM", stop)
  process.on("SIGINT", stop)
  // The parent holds our stdin open; EOF means it is gone, so do not outlive it.
  process.stdin.on("end", stop)
  process.stdin.on("close", stop)
  process.stdin.resume()
}

main().catch((error) => {
  process.stderr.write(`launch_fake: ${error?.stack ?? error}\n`)
  process.exit(1)
})
