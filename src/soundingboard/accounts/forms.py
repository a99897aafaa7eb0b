"""The forms of the accounts pages: signing in, the two-factor code, passwords, new accounts,
roles and the audit log's filter."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from ..core.forms import GovukForm
from .consultations import all_consultations
from .models import ROLE_DESCRIPTIONS, AuditEvent, Role
from .services import check_username, normalise_recovery_code, password_problems

Action = AuditEvent.Action


class SignInForm(GovukForm):
    non_field_anchor = "username"

    username = forms.CharField(
        max_length=150, strip=True, error_messages={"required": "Enter your username"}
    )
    password = forms.CharField(
        max_length=1000,
        strip=False,
        error_messages={
            "required": "Enter your password",
            "max_length": "Password must be 1,000 characters or fewer",
        },
    )


class CodeForm(GovukForm):
    code = forms.CharField(
        max_length=20,
        error_messages={
            "required": "Enter the code from your authenticator app",
            "max_length": "The code must be 6 numbers",
        },
    )

    def clean_code(self) -> str:
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"])
        if not re.fullmatch(r"[0-9]{6}", code):
            raise ValidationError("The code must be 6 numbers")
        return code


class SignInCodeForm(CodeForm):
    """The code step of signing in: the app's code, or one of the account's recovery codes
    (`is_recovery_code` says which was typed)."""

    def clean_code(self) -> str:
        text = self.cleaned_data["code"]
        if re.fullmatch(r"[0-9]{6}", re.sub(r"[\s-]", "", text)):
            return super().clean_code()
        code = normalise_recovery_code(text)
        if not re.fullmatch(r"[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}", code):
            raise ValidationError(
                "Enter the 6 numbers your app shows, or a recovery code like abcd-efgh-jkmn"
            )
        return code

    @property
    def is_recovery_code(self) -> bool:
        return "-" in self.cleaned_data.get("code", "")


class NewPasswordMixin(GovukForm):
    new_password = forms.CharField(
        max_length=1000,
        strip=False,
        error_messages={
            "required": "Enter a new password",
            "max_length": "Password must be 1,000 characters or fewer",
        },
    )
    new_password_again = forms.CharField(
        max_length=1000,
        strip=False,
        error_messages={"required": "Enter your new password again"},
    )


class ChangePasswordForm(NewPasswordMixin):
    current_password = forms.CharField(
        max_length=1000, strip=False, error_messages={"required": "Enter your current password"}
    )
    field_order = ["current_password", "new_password", "new_password_again"]

    def __init__(self, *args: Any, user: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_current_password(self) -> str:
        password = self.cleaned_data["current_password"]
        if not self.user.check_password(password):
            raise ValidationError("Your current password is not right")
        return password

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        new, again = data.get("new_password"), data.get("new_password_again")
        if new is None:
            return data
        if new == data.get("current_password"):
            self.add_error("new_password", "New password must be different from your current one")
            return data
        for problem in password_problems(new, self.user):
            self.add_error("new_password", problem)
        if again is not None and again != new:
            self.add_error("new_password_again", "The passwords do not match")
        return data


class RoleField(forms.ChoiceField):
    def __init__(self, **kwargs: Any):
        super().__init__(
            choices=[(r.value, r.label) for r in reversed(Role)],
            widget=forms.RadioSelect,
            error_messages={
                "required": "Select a role",
                "invalid_choice": "Select a role from the list",
            },
            **kwargs,
        )


class ConsultationsField(forms.MultipleChoiceField):
    """The consultations an account may see, ticked; none ticked: every consultation."""

    def __init__(self, **kwargs: Any):
        super().__init__(
            choices=consultation_choices,
            widget=forms.CheckboxSelectMultiple,
            required=False,
            error_messages={"invalid_choice": "Select consultations from the list"},
            **kwargs,
        )


def consultation_choices() -> list[tuple[str, str]]:
    return list(all_consultations().items())


class NewUserForm(GovukForm):
    username = forms.CharField(max_length=150, error_messages={"required": "Enter a username"})
    email = forms.EmailField(
        required=False,
        max_length=254,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "Email address must be 254 characters or fewer",
        },
    )
    role = RoleField()
    consultations = ConsultationsField()

    def clean_username(self) -> str:
        try:
            return check_username(self.cleaned_data["username"])
        except ValueError as error:
            raise ValidationError(str(error)) from None


class RoleForm(GovukForm):
    role = RoleField()


class ConsultationsForm(GovukForm):
    consultations = ConsultationsField()


class AuditFilterForm(GovukForm):
    action = forms.ChoiceField(
        required=False, choices=[("", "All actions"), *AuditEvent.Action.choices]
    )
    user = forms.CharField(required=False, max_length=150)


def role_choices() -> list[tuple[str, str, str]]:
    return [(r.value, r.label, ROLE_DESCRIPTIONS[r]) for r in reversed(Role)]
