"""The accounts pages' addresses. The analyst workspace (`soundingboard.analyse.urls`)
includes them under /-/, in its own `analyse` namespace."""

from __future__ import annotations

from django.urls import path

from .views import account, audit_log, sign_in, users

urlpatterns = [
    path("sign-in/", sign_in.sign_in, name="sign-in"),
    path("sign-in/two-factor/", sign_in.two_factor, name="two-factor"),
    path("two-factor/set-up/", sign_in.two_factor_set_up, name="two-factor-set-up"),
    path("sign-out/", sign_in.sign_out, name="sign-out"),
    path("account/", account.account, name="account"),
    path("account/password/", account.change_password, name="password"),
    path("account/recovery-codes/", account.recovery_codes, name="recovery-codes"),
    path("users/", users.users, name="users"),
    path("users/new/", users.user_new, name="user-new"),
    path("users/<int:pk>/", users.user_detail, name="user"),
    path("users/<int:pk>/role/", users.user_role, name="user-role"),
    path("users/<int:pk>/consultations/", users.user_consultations, name="user-consultations"),
    path("users/<int:pk>/active/", users.user_active, name="user-active"),
    path("users/<int:pk>/two-factor/", users.user_reset_two_factor, name="user-two-factor"),
    path("users/<int:pk>/password/", users.user_reset_password, name="user-password"),
    path("audit/", audit_log.audit_log, name="audit"),
]
