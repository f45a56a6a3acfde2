from __future__ import annotations

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
