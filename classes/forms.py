import datetime as dt

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classes import throttle
from classes.cohorts import UNKNOWN_CODE, normalise_code
from classes.models import Cohort
from course import dates


class JoinCodeMixin:
    """A form that reads a class code, tried within the address's limit (`join_code_check`):
    `cohort` is the class the code names once the form is valid, None when no code was given."""

    def __init__(self, *args, address: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.address = address
        self.cohort: Cohort | None = None

    def _join_code_clean(self, value: str) -> str:
        code = normalise_code(value)
        if code:
            self.cohort = join_code_check(code, address=self.address)
        return code


class SignupForm(JoinCodeMixin, UserCreationForm):
    email = forms.EmailField(label=_("Email (optional)"), required=False)
    join_code = forms.CharField(
        label=_("Class code (optional)"),
        required=False,
        max_length=20,
        help_text=_("The code your trainer gave you, to join your class."),
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def clean_join_code(self) -> str:
        return self._join_code_clean(self.cleaned_data.get("join_code") or "")


class JoinForm(JoinCodeMixin, forms.Form):
    code = forms.CharField(label=_("Class code"), max_length=20)

    def clean_code(self) -> str:
        return self._join_code_clean(self.cleaned_data["code"])


class CohortForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = ["name", "starts_on", "ends_on"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
        }
        # The model's validators hold the range.
        help_texts = dict.fromkeys(("starts_on", "ends_on"), dates.RANGE_HELP_TEXT)

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The class cannot end before it starts."))
        return data


#: How `<input type="datetime-local">` reads and writes a value (local time, to the minute).
LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"
DUE_AFTER_DAYS, DUE_HOUR = 7, 18


def _local_datetime_field(label) -> forms.DateTimeField:
    """A date and time typed in local time, to the minute, within the range people may type."""
    return forms.DateTimeField(
        label=label,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT_FORMAT),
        validators=[dates.validate_typed_date],
        help_text=dates.RANGE_HELP_TEXT,
    )


def assignment_defaults(now: dt.datetime) -> dict[str, dt.datetime]:
    """Opens now (to the minute), due in 7 days at 18:00, both in the current time zone."""
    local = timezone.localtime(now).replace(second=0, microsecond=0)
    # Adding days to a zoneinfo time keeps the wall clock, and its offset is that of the new date:
    # a change to summer time within the week still gives 18:00.
    due = (local + dt.timedelta(days=DUE_AFTER_DAYS)).replace(hour=DUE_HOUR, minute=0)
    return {"opens_at": local, "due_at": due}


class AssignmentForm(forms.Form):
    quiz = forms.ModelChoiceField(queryset=None, label=_("Quiz"))
    opens_at = _local_datetime_field(_("Opens at"))
    due_at = _local_datetime_field(_("Due at"))

    def __init__(self, *args, quizzes, now: dt.datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quiz"].queryset = quizzes
        if not self.is_bound:
            self.initial = {**assignment_defaults(now or timezone.now()), **self.initial}

    def clean(self):
        data = super().clean()
        if data.get("opens_at") and data.get("due_at") and data["due_at"] <= data["opens_at"]:
            self.add_error("due_at", _("The due time must come after the opening time."))
        return data


TOO_MANY_FAILURES = _("Too many failed logins. Wait a few minutes before trying again.")
TOO_MANY_CODES = _("Too many class codes tried. Wait a few minutes before trying again.")


class ThrottledAuthenticationForm(AuthenticationForm):
    """The login form: a password is checked only within the tries left to this username from
    this address (and to this address), counted before the check (classes/throttle.py)."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if not username or self.cleaned_data.get("password") is None:
            return super().clean()  # nothing to check
        address = throttle.client_address(self.request) if self.request else ""
        keys = throttle.login_keys(username=username, address=address)
        if not throttle.reserve(keys):
            raise forms.ValidationError(TOO_MANY_FAILURES, code="throttled")
        data = super().clean()  # a wrong password keeps its try counted
        pair, address_key = keys
        throttle.forget([pair])
        throttle.release([address_key])
        throttle.expired_delete()
        return data


def join_code_check(code: str, *, address: str) -> Cohort:
    """The class this code names; refuse a code tried past the address's limit, or that no
    class has (that try stays counted: guessing codes costs tries)."""
    keys = throttle.join_keys(address=address)
    if not throttle.reserve(keys):
        raise forms.ValidationError(TOO_MANY_CODES, code="throttled")
    cohort = Cohort.objects.filter(join_code=code).first()
    if cohort is None:
        raise forms.ValidationError(UNKNOWN_CODE, code="unknown")
    throttle.release(keys)
    return cohort
