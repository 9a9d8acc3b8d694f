import pytest
from django.db.models import Count

from devices.models import Device
from portal.tenancy import MissingWorkspaceScope


@pytest.fixture
def devices_in_both(two_workspaces):
    workspace_a, workspace_b = two_workspaces
    Device.objects.create(workspace=workspace_a, seam_device_id="dev-a", name="A front door")
    Device.objects.create(workspace=workspace_b, seam_device_id="dev-b", name="B front door")
    return workspace_a, workspace_b


@pytest.mark.parametrize(
    "run",
    [
        pytest.param(lambda qs: list(qs), id="iterate"),
        pytest.param(lambda qs: qs.count(), id="count"),
        pytest.param(lambda qs: qs.exists(), id="exists"),
        pytest.param(lambda qs: qs.first(), id="first"),
        pytest.param(lambda qs: qs.get(seam_device_id="dev-a"), id="get"),
        pytest.param(lambda qs: list(qs.values("pk")), id="values"),
        pytest.param(lambda qs: list(qs.iterator()), id="iterator"),
        pytest.param(lambda qs: qs.aggregate(n=Count("pk")), id="aggregate"),
        pytest.param(lambda qs: qs.update(name="x"), id="update"),
        pytest.param(lambda qs: qs.delete(), id="delete"),
        pytest.param(lambda qs: list(qs.filter(name__startswith="A")), id="filter-without-workspace"),
    ],
)
def test_unscoped_queries_raise(devices_in_both, run):
    with pytest.raises(MissingWorkspaceScope):
        run(Device.objects.all())


def test_unscoped_failure_changes_nothing(devices_in_both):
    with pytest.raises(MissingWorkspaceScope):
        Device.objects.filter(name__contains="door").update(name="hijacked")
    names = {device.name for device in Device.objects.dangerously_all_workspaces()}
    assert names == {"A front door", "B front door"}


def test_for_workspace_none_raises(devices_in_both):
    with pytest.raises(MissingWorkspaceScope):
        Device.objects.for_workspace(None)


def test_scoped_queries_return_only_that_workspace(devices_in_both):
    workspace_a, workspace_b = devices_in_both
    assert [d.seam_device_id for d in Device.objects.for_workspace(workspace_a)] == ["dev-a"]
    assert [d.seam_device_id for d in Device.objects.for_workspace(workspace_b)] == ["dev-b"]
    assert Device.objects.for_workspace(workspace_a).filter(seam_device_id="dev-b").count() == 0


def test_scope_survives_chaining(devices_in_both):
    workspace_a, _ = devices_in_both
    queryset = Device.objects.for_workspace(workspace_a).filter(name__contains="door").order_by("name")
    assert queryset.count() == 1
    assert list(queryset.values_list("seam_device_id", flat=True)) == ["dev-a"]


def test_for_workspaces_and_escape_hatch(devices_in_both):
    workspace_a, workspace_b = devices_in_both
    assert Device.objects.for_workspaces([workspace_a, workspace_b]).count() == 2
    assert Device.objects.dangerously_all_workspaces().count() == 2


def test_unique_validation_works_with_scoping(devices_in_both):
    """Django's own unique checks filter by workspace, so full_clean works on tenant rows."""
    from django.core.exceptions import ValidationError

    workspace_a, workspace_b = devices_in_both
    duplicate = Device(workspace=workspace_a, seam_device_id="dev-a", name="dup")
    with pytest.raises(ValidationError):
        duplicate.full_clean()
    same_id_other_workspace = Device(workspace=workspace_b, seam_device_id="dev-a", name="fine")
    same_id_other_workspace.full_clean()
