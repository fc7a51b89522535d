import datetime as dt

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classes import throttle
from classes.cohorts import normalise_code
from classes.models import Cohort
from course import dates


class SignupForm(UserCreationForm):
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
        code = normalise_code(self.cleaned_data.get("join_code") or "")
        if code and not Cohort.objects.filter(join_code=code).exists():
            raise forms.ValidationError(_("No class has this code. Check it with your trainer."))
        return code


class JoinForm(forms.Form):
    code = forms.CharField(label=_("Class code"), max_length=20)


class CohortForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = ["name", "starts_on", "ends_on"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("starts_on", "ends_on"):  # the model's validators hold the range
            self.fields[name].help_text = dates.range_help()

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The class cannot end before it starts."))
        return data


#: How `<input type="datetime-local">` reads and writes a value (local time, to the minute).
LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"
DUE_AFTER_DAYS, DUE_HOUR = 7, 18


def _local_datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT_FORMAT)


def assignment_defaults(now: dt.datetime) -> dict[str, dt.datetime]:
    """Opens now (to the minute), due in 7 days at 18:00, both in the current time zone."""
    local = timezone.localtime(now).replace(second=0, microsecond=0)
    due = (local + dt.timedelta(days=DUE_AFTER_DAYS)).replace(hour=DUE_HOUR, minute=0)
    # Rebuild the due time in its own offset: a change to summer time may fall within the week.
    due = timezone.make_aware(due.replace(tzinfo=None), timezone.get_current_timezone())
    return {"opens_at": local, "due_at": due}


class AssignmentForm(forms.Form):
    quiz = forms.ModelChoiceField(queryset=None, label=_("Quiz"))
    opens_at = forms.DateTimeField(label=_("Opens at"), widget=_local_datetime_input())
    due_at = forms.DateTimeField(label=_("Due at"), widget=_local_datetime_input())

    def __init__(self, *args, quizzes, now: dt.datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quiz"].queryset = quizzes
        for name in ("opens_at", "due_at"):
            self.fields[name].help_text = dates.range_help()
        if not self.is_bound:
            self.initial = {**assignment_defaults(now or timezone.now()), **self.initial}

    def clean_opens_at(self):
        dates.validate_typed_date(self.cleaned_data["opens_at"])
        return self.cleaned_data["opens_at"]

    def clean_due_at(self):
        dates.validate_typed_date(self.cleaned_data["due_at"])
        return self.cleaned_data["due_at"]

    def clean(self):
        data = super().clean()
        if data.get("opens_at") and data.get("due_at") and data["due_at"] <= data["opens_at"]:
            self.add_error("due_at", _("The due time must come after the opening time."))
        return data


TOO_MANY_FAILURES = _("Too many failed logins. Wait a few minutes before trying again.")


class ThrottledAuthenticationForm(AuthenticationForm):
    """The login form, refusing to check passwords for a while after repeated failures."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = throttle.client_address(self.request) if self.request else ""
        if throttle.is_blocked(username=username, address=address):
            raise forms.ValidationError(TOO_MANY_FAILURES, code="throttled")
        try:
            data = super().clean()
        except forms.ValidationError:
            throttle.record_failure(username=username, address=address)
            raise
        throttle.clear_account(username=username)
        return data
