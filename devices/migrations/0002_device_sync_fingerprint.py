from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("devices", "0001_initial"),
        ("portal", "0001_initial"),
    ]

    operations = [
        # Renamed, not replaced: the old "last synced" time is when the sync last wrote the row, the best
        # start for "last changed". The empty content_hash makes the next sync rewrite every device once.
        migrations.RenameField(
            model_name="device",
            old_name="last_synced_at",
            new_name="last_changed_at",
        ),
        migrations.AlterField(
            model_name="device",
            name="last_changed_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When a sync last stored new data for this device: first seen, changed in Seam, or "
                "back after removal. A device that is not removed was seen by the workspace's last successful "
                "sync.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="device",
            name="content_hash",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AlterField(
            model_name="device",
            name="manufacturer",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddIndex(
            model_name="device",
            index=models.Index(fields=["workspace", "manufacturer"], name="device_workspace_manufacturer"),
        ),
        migrations.AlterField(
            model_name="syncrun",
            name="devices_updated",
            field=models.PositiveIntegerField(default=0, help_text="Known devices whose data changed."),
        ),
    ]
