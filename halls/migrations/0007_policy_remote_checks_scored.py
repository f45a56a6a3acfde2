from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("halls", "0006_hall_staff_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="gradingpolicy",
            name="remote_checks_scored",
            field=models.BooleanField(
                default=False,
                help_text="不勾选（默认）：远程监控不计入检查维度，其加分、扣分和一票否决也不计入评定；发现的问题照常开整改单。",
                verbose_name="远程监控计入评定",
            ),
        ),
    ]
