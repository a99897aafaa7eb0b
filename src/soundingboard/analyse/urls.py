"""The analyst workspace's addresses, under /analyse/ (see soundingboard.urls).

Addresses of one consultation's analysis go under `<slug:slug>/`, after the fixed ones here,
so that no consultation's slug can take an address of the accounts pages.
"""

from __future__ import annotations

from django.urls import path

from . import accounts, views_overview

app_name = "analyse"

urlpatterns = [
    path("", accounts.home, name="home"),
    path("sign-in/", accounts.sign_in, name="sign-in"),
    path("sign-in/two-factor/", accounts.two_factor, name="two-factor"),
    path("two-factor/set-up/", accounts.two_factor_set_up, name="two-factor-set-up"),
    path("sign-out/", accounts.sign_out, name="sign-out"),
    path("account/", accounts.account, name="account"),
    path("account/password/", accounts.change_password, name="password"),
    path("users/", accounts.users, name="users"),
    path("users/new/", accounts.user_new, name="user-new"),
    path("users/<int:pk>/", accounts.user_detail, name="user"),
    path("users/<int:pk>/role/", accounts.user_role, name="user-role"),
    path("users/<int:pk>/active/", accounts.user_active, name="user-active"),
    path("users/<int:pk>/two-factor/", accounts.user_reset_two_factor, name="user-two-factor"),
    path("users/<int:pk>/password/", accounts.user_reset_password, name="user-password"),
    path("audit/", accounts.audit_log, name="audit"),
    # One consultation's analysis: after every fixed address above.
    path("<slug:slug>/", views_overview.overview, name="overview"),
    path("<slug:slug>/ideas/", views_overview.ideas, name="ideas"),
]
