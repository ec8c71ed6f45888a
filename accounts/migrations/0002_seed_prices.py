from django.db import migrations

# The defaults the issue set (accounts/prices.py DEFAULT_PRICES); the operator changes them in the admin.
PRICES = {
    "generate": 10,
    "extend": 10,
    "cover": 10,
    "replace": 10,
    "stems": 10,
    "persona": 0,
    "lyrics": 0,
    "concat": 0,
    "wav": 0,
    "video": 0,
    "upload": 0,
}


def seed(apps, schema_editor):
    Price = apps.get_model("accounts", "Price")
    for action, credits in PRICES.items():
        Price.objects.get_or_create(action=action, defaults={"credits": credits})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_credits_and_signup")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
