from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from halls.errors import ApplicationError
from halls.months import month_parse


class LoginForm(AuthenticationForm):
    """Django's login form, with the username's length enforced before anyone tries to authenticate.

    AuthenticationForm sets ``max_length`` on the field after construction, so no validator checks it:
    an over-long username went on to authenticate(), and django-axes' failed-attempt row then overflowed
    its column on PostgreSQL (a 500 found by tests/security/test_forms_property.py).
    """

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class MonthField(forms.CharField):
    """A month typed as YYYY-MM, cleaned to its first day (every form that takes a month)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("格式：YYYY-MM"))
        super().__init__(max_length=7, **kwargs)

    def prepare_value(self, value):
        return value.strftime("%Y-%m") if hasattr(value, "strftime") else value

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return month_parse(value)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from exc


class IsoDateInput(forms.DateInput):
    """A browser date picker. Its value must be ISO (``2026-12-04``) whatever the page's language: Django's
    DateInput writes the locale's first input format (``2026/12/04`` in Chinese), which a date input does not
    accept, so it showed empty and a form saved without picking a date failed as if nothing was given."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
