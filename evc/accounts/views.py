"""Log-in, sign-up, email confirmation and the per-role dashboards."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from evc.accounts import services, throttle
from evc.accounts.forms import EmailAddressForm, LanguageForm, RegisterForm
from evc.accounts.models import Role, User
from evc.core.responses import too_many_requests


class AuthenticatedHttpRequest(HttpRequest):
    user: User


ROLE_TEMPLATES = {
    Role.APPLICANT: "accounts/dashboards/applicant.html",
    Role.ASSESSOR: "accounts/dashboards/assessor.html",
    Role.COMMITTEE_MEMBER: "accounts/dashboards/committee.html",
    Role.COMMITTEE_CHAIR: "accounts/dashboards/committee.html",
    Role.EMPLOYER: "accounts/dashboards/employer.html",
    Role.ADMIN: "accounts/dashboards/admin.html",
}


def _too_many(request: HttpRequest, message: str, *, retry_after: int,
              way_out: tuple[str, str] | None = None) -> HttpResponse:
    return too_many_requests(request, heading=_("Te veel pogingen"), message=message, retry_after=retry_after,
                             way_out=way_out)


class LoginView(auth_views.LoginView):
    """Django's log-in; password checks are limited in the authentication backend (see `throttle`)."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        # The backend counts and refuses; this only turns a block into a page that says so.
        blocked_by = throttle.login_blocked_by(request, request.POST.get("username", ""))
        if blocked_by == "account":  # a new password lifts this one (throttle.login_unblocked)
            return _too_many(request, _("Te veel mislukte inlogpogingen. Wacht een kwartier en probeer het dan "
                                        "opnieuw, of vraag een nieuw wachtwoord aan."),
                             retry_after=throttle.WINDOW_SECONDS,
                             way_out=(_("Wachtwoord vergeten?"), reverse("password_reset")))
        if blocked_by == "address":
            return _too_many(request, _("Vanaf dit adres zijn te veel mislukte inlogpogingen gedaan. Wacht een "
                                        "kwartier en probeer het dan opnieuw."), retry_after=throttle.WINDOW_SECONDS)
        return super().post(request, *args, **kwargs)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset form; each request may send a mail, so an address may ask only so often."""

    template_name = "accounts/password_reset.html"

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if throttle.reset_blocked(request):
            return _too_many(request, _("Er zijn vanaf dit adres te veel wachtwoordherstel-aanvragen gedaan. "
                                        "Probeer het over een uur opnieuw."), retry_after=3600)
        return super().post(request, *args, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's new-password form; once the password is set, wrong guesses made before no longer block the account."""

    template_name = "accounts/password_reset_confirm.html"

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        throttle.login_unblocked(form.user.email)
        return response


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "accounts/home.html")


@login_required
@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    return redirect("role_dashboard", role=request.user.role)


@login_required
@require_GET
def role_dashboard(request: AuthenticatedHttpRequest, role: str) -> HttpResponse:
    # Each role has its own page; another role's page is refused rather than shown empty.
    if role not in ROLE_TEMPLATES or request.user.role != role:
        raise PermissionDenied(_("Dit overzicht hoort bij een andere rol."))
    return render(request, ROLE_TEMPLATES[Role(role)], {"role": Role(role)})


def _safe_next(request: HttpRequest) -> str | None:
    """Where to go after signing up (e.g. back to an employer's invitation), if it is on this site."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return None


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or "dashboard")
    if request.method == "POST" and throttle.sign_up_blocked(request):
        return _too_many(request, _("Er zijn vanaf dit adres te veel accounts aangemaakt. Probeer het over een uur "
                                    "opnieuw."), retry_after=3600)
    form = RegisterForm(request.POST or None, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
        try:
            user = services.applicant_register(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                language=form.cleaned_data["language"],
            )
        except services.AccountError as exc:
            form.add_error("email", str(exc))
        else:
            login(request, user, backend="evc.accounts.throttle.ThrottledModelBackend")
            messages.success(
                request, _("Welkom! We hebben je een e-mail gestuurd om je adres te bevestigen.")
            )
            return redirect(next_url or "dashboard")
    status = 400 if form.errors else 200
    return render(request, "accounts/register.html", {"form": form, "next": next_url}, status=status)


@require_GET
def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        _user, email = services.email_confirm(token=token, actor=request.user)
    except services.LoginRequired:
        return redirect_to_login(request.get_full_path())
    except services.AccountError as exc:
        return render(request, "accounts/confirm_failed.html", {"reason": str(exc)}, status=400)
    messages.success(request, _("%(email)s is bevestigd.") % {"email": email})
    return redirect("email_addresses" if request.user.is_authenticated else "login")


@login_required
@require_http_methods(["POST"])
def language_save(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The language of the mails and letters a person receives (set at sign-up; changed here)."""
    form = LanguageForm(request.POST)
    if form.is_valid():
        request.user.preferred_language = form.cleaned_data["preferred_language"]
        request.user.save(update_fields=["preferred_language"])
        messages.success(request, _("Opgeslagen."))
    return redirect("email_addresses")


@login_required
@require_http_methods(["GET", "POST"])
def email_addresses(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = EmailAddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.email_address_add(user=request.user, email=form.cleaned_data["email"])
        except services.AccountError as exc:
            form.add_error("email", str(exc))
        else:
            messages.success(request, _("We hebben een bevestigingslink naar dat adres gestuurd."))
            return redirect("email_addresses")
    return render(
        request,
        "accounts/email_addresses.html",
        {"form": form, "addresses": request.user.email_addresses.order_by("email"),
         "language_form": LanguageForm(initial={"preferred_language": request.user.preferred_language})},
        status=400 if form.errors else 200,
    )
