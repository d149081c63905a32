from django.contrib.auth import views as auth_views
from django.urls import path

from .forms import EmailAuthenticationForm

# The profile and team pages show other domains too: they are in tocsin/pages/.
urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
