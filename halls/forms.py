from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


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


class IsoDateInput(forms.DateInput):
    """A browser date picker. Its value must be ISO (``2026-12-04``) whatever the page's language: Django's
    DateInput writes the locale's first input format (``2026/12/04`` in Chinese), which a date input does not
    accept, so it showed empty and a form saved without picking a date failed as if nothing was given."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
