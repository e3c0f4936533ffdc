"""A language is a catalogue, not code: a third locale made from the English catalogue alone
(every word accented and bracketed, "[Ŧåšķ ðûé …]") serves every page, and no page is left with
a word of French or English that is not data (a name, an id, a date).

The locale is generated in tmp_path with Babel and handed to the real app as one more language;
pages are asked for with `?lang=qps`, as a reader would.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from client.refusals import RefusalInfo
from contracts.programme import ProgrammePhase
from credentials.passwords import hash_password
from domain.answers import Concern
from domain.matching import Factor, FactorCode, ProposedPair, TaughtSkill, Unmatched
from domain.next_steps import NextStep
from domain.programme import MatchingSettings, Role
from domain.refusals import Refusal
from domain.skills import CATALOGUE
from domain.tasks import TaskKind
from domain.unmatched import UnmatchedReason
from i18n.catalogues import LOCALES_DIR
from store.projections import Projector
from tests.dashboard_helpers import form_token, sign_in
from tests.lifecycle_helpers import Run, Stack, eventually, small_cohort
from tests.test_web_pages import _issue, launch, mentee_answer, participant
from web.app import create_app
from web.dashboard import DashboardSettings
from web.i18n import Languages, Translator
from workflows.replies import acknowledge

PSEUDO = "qps"
SECRET = b"lifecycle-tests"  # what the stack's e-mails sign links with
PASSWORD = "correct horse battery staple"
_LETTERS = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "åƀçđéƒĝĥîĵķĺɱñöþǫŕšŧûṽŵẋýžÅƁÇĐÉƑĜĤÎĴĶĹṀÑÖÞǪŔŠŦÛṼŴẊÝŽ",
)
# What a message keeps as it is: placeholders, a percent sign, markup.
_KEPT = re.compile(r"(%\(\w+\)s|%%|<[^>]*>|&\w+;)")
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]{2,}")
_DATE = re.compile(
    r"(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\s+\d{1,2}(er)?\s+"
    r"(janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre)"
    r"\s+\d{4}"
)


def pseudo(text: str) -> str:
    parts = _KEPT.split(text)
    return "[" + "".join(p if i % 2 else p.translate(_LETTERS) for i, p in enumerate(parts)) + "]"


@pytest.fixture(scope="module")
def pseudo_locale(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every catalogue of English, each message made pseudo, compiled as locale `qps`."""
    directory = tmp_path_factory.mktemp("locales")
    target = directory / PSEUDO / "LC_MESSAGES"
    target.mkdir(parents=True)
    for domain in ("web", "mail"):
        with (LOCALES_DIR / "en" / "LC_MESSAGES" / f"{domain}.po").open("rb") as po:
            catalog = read_po(po, locale="en", domain=domain)
        for message in catalog:
            if not message.id:
                continue
            if isinstance(message.string, tuple):
                message.string = tuple(pseudo(str(s)) for s in message.string)
            else:
                message.string = pseudo(str(message.string))
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        (target / f"{domain}.mo").write_bytes(buffer.getvalue())
    return directory


class _Visible(HTMLParser):
    """A page's visible words: its text and the attributes a reader or a screen reader gets."""

    _HIDDEN: ClassVar = frozenset({"script", "style"})
    _SPOKEN: ClassVar = frozenset({"aria-label", "title", "placeholder", "alt"})

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1
        self.parts.extend(v for k, v in attrs if k in self._SPOKEN and v)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def plain_words(html: str, data: Iterable[str]) -> list[str]:
    """The words of `html` that no catalogue message gave and that are not `data`."""
    parser = _Visible()
    parser.feed(html)
    text = " ".join(parser.parts)
    while True:  # innermost messages first: a message may hold another one's words
        inner = re.sub(r"\[[^\[\]]*\]", " ", text)
        if inner == text:
            break
        text = inner
    for value in sorted(set(data), key=len, reverse=True):
        text = text.replace(value, " ")
    return _WORD.findall(_DATE.sub(" ", text))


def data_of(run: Run) -> set[str]:
    spec = run.spec
    found = {spec.id, spec.name, "admin", "Tandem"}
    for p in spec.participants:
        found |= {p.id, p.name, p.email, *(filter(None, [p.department]))}
    for skill in (*spec.skills, *CATALOGUE.values()):
        found |= {skill.id, skill.label_fr, skill.label_en}
    return found


def app_for(stack: Stack, locales: Path, **options: object) -> httpx.AsyncClient:
    app = create_app(
        client=stack.client,
        pool=stack.pool,
        secret=SECRET,
        languages=Languages(extra={PSEUDO: locales}),
        **options,  # type: ignore[arg-type]
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def assert_catalogued(pages: dict[str, str], data: set[str]) -> None:
    silent = [name for name, html in pages.items() if not re.search(r"\[[^\]]*[åéîöûŧ]", html)]
    assert not silent, f"pages without a word from the catalogue: {silent}"
    leftovers = {name: plain_words(html, data) for name, html in pages.items()}
    leftovers = {name: words for name, words in leftovers.items() if words}
    assert not leftovers, f"words not from the catalogue: {leftovers}"


def test_the_detector_sees_a_hard_coded_word(pseudo_locale: Path) -> None:
    t = Translator(PSEUDO, directory=pseudo_locale)
    page = f"<p>{t('done.title')}</p><p>{t('task.due', date='lundi 1er mars 2027')}</p>"
    assert plain_words(page, set()) == []
    assert plain_words(page + "<button>Envoyer</button>", set()) == ["Envoyer"]
    assert plain_words('<a aria-label="Close">×</a>', set()) == ["Close"]


def test_every_code_is_worded_by_the_catalogue(pseudo_locale: Path) -> None:
    t = Translator(PSEUDO, directory=pseudo_locale)
    samples: dict[type, Any] = {int: 3, str: "2027-03-01", list: ["s-1"], float: 2.5}
    words = [
        t.refusal(None),
        *(
            t.refusal(_info(code, {n: samples[k] for n, k in code.params.items()}))
            for code in Refusal
        ),
        *(
            t.next_step(acknowledge(step, **{n: samples[k] for n, k in step.params.items()}))
            for step in NextStep
        ),
        *(t.unmatched(_unmatched(code)) for code in UnmatchedReason),
        *(t.pair_reasons(_pair_with(factor)) for factor in _factors()),
    ]
    flat = [w for item in words for w in ([item] if isinstance(item, str) else item)]
    plain = {w: plain_words(f"<p>{w}</p>", {"s-1", "Finance", "IT"}) for w in flat}
    assert not {w: found for w, found in plain.items() if found}


async def test_every_participant_page_is_in_the_catalogue_s_language(
    stack: Stack, pseudo_locale: Path
) -> None:
    run = await launch(stack)
    mentee, mentor = run.ids(Role.MENTEE)[0], run.ids(Role.MENTOR)[0]
    lang = f"?lang={PSEUDO}"
    pages: dict[str, str] = {}
    async with app_for(stack, pseudo_locale) as web:
        forms = {
            (mentee, TaskKind.CHEMISTRY),
            (mentee, TaskKind.GOALS_PROPOSE),
            (mentor, TaskKind.GOALS_CONFIRM),
            (mentor, TaskKind.SESSION_LOG),
            (mentee, TaskKind.MIDPOINT_SURVEY),
            (mentor, TaskKind.FINAL_EVALUATION),
            (mentee, TaskKind.PAIR_MANAGE),
            (mentor, TaskKind.CONCERN),
        }
        for who, kind in sorted(forms):
            path = await _issue(stack, run, who, kind, session_number=4)
            shown = await web.get(path + lang)
            assert shown.status_code == 200, (kind, shown.status_code, shown.text[-600:])
            pages[f"{kind.value} ({who})"] = shown.text
            if kind is TaskKind.PAIR_MANAGE:  # a form with errors: the summary and each field's
                token = form_token(shown.text)
                wrong = {"csrf_token": token, "action": "reschedule", "reschedule-new_date": "x"}
                rejected = await web.post(path + lang, data=wrong)
                assert rejected.status_code == 422
                pages["errors"] = rejected.text
                unsent = await web.post(path + lang, data={"action": "pause"})
                pages["expired form"] = unsent.text
            if kind is TaskKind.CHEMISTRY:  # no workflow behind it: the task is closed
                token = form_token(shown.text)
                gone = await web.post(path + lang, data={"csrf_token": token, "go": "yes"})
                assert gone.status_code == 410, gone.text
                pages["closed"] = gone.text

        # A real self-assessment, sent from the French form (its level scale is not in the
        # catalogue yet, below): the thank-you page and the answer shown again.
        assessing = await participant(stack, run, Role.MENTEE)
        form = await web.get(assessing.path)
        answer = {**mentee_answer(), "csrf_token": form_token(form.text)}
        submission = re.search(r'name="submission" value="([0-9a-f]{32})"', form.text)
        if submission:
            answer["submission"] = submission[1]
        done = await web.post(assessing.path + lang, data=answer)
        assert done.status_code == 200, done.text
        pages["done"] = done.text
        pages["answer"] = (await web.get(assessing.path + lang)).text

        pages["invalid link"] = (await web.get(f"/t/not-a-token{lang}")).text
        pages["not found"] = (await web.get(f"/nowhere{lang}")).text
    assert_catalogued(pages, data_of(run))


async def test_the_forms_with_a_level_scale_are_in_the_catalogue_s_language(
    stack: Stack, pseudo_locale: Path
) -> None:
    run = await launch(stack)
    pages: dict[str, str] = {}
    async with app_for(stack, pseudo_locale) as web:
        paths = {
            f"self_assessment ({role.value})": (await participant(stack, run, role)).path
            for role in (Role.MENTEE, Role.MENTOR)
        }
        mentee = run.ids(Role.MENTEE)[0]
        paths["final_evaluation (mentee)"] = await _issue(
            stack, run, mentee, TaskKind.FINAL_EVALUATION
        )
        for name, path in paths.items():
            shown = await web.get(f"{path}?lang={PSEUDO}")
            assert shown.status_code == 200, name
            pages[name] = shown.text
    assert_catalogued(pages, data_of(run))


async def test_every_dashboard_page_is_in_the_catalogue_s_language(
    stack: Stack, pseudo_locale: Path
) -> None:
    spec = small_cohort(6)
    run = await stack.launch(
        spec.model_copy(update={"matching": MatchingSettings(auto_approve=False)})
    )
    await run.until_phase(ProgrammePhase.REVIEW, max_days=10)
    projector = Projector(stack.pool)
    await projector.catch_up()
    settings = DashboardSettings(password_hash=hash_password(PASSWORD), refusal_delay=0)
    base = "/coordinator"
    programme = f"{base}/p/{spec.id}"
    pages: dict[str, str] = {}
    async with app_for(stack, pseudo_locale, dashboard=settings) as http:
        pages["login"] = (await http.get(f"{base}/login?lang={PSEUDO}")).text
        wrong = await sign_in(http, "admin", "not the password")
        pages["login refused"] = wrong.text
        assert (await sign_in(http, "admin", PASSWORD)).status_code == 303
        pages["index"] = (await http.get(base)).text
        review = (await http.get(programme)).text
        assert 'action="/coordinator/p/' in review and "/matching/approve" in review
        pages["programme in review"] = review

        # A refused matching change, then the approval, each told on the programme page.
        bogus = {"csrf_token": form_token(review), "mentor_id": "p-nobody", "mentee_id": "x"}
        refused = await http.post(f"{programme}/matching/force", data=bogus)
        pages["refused change"] = (await http.get(refused.headers["location"])).text
        approve = {"csrf_token": form_token(review)}
        approved = await http.post(f"{programme}/matching/approve", data=approve)
        pages["approved"] = (await http.get(approved.headers["location"])).text
        await run.until_phase(ProgrammePhase.RUNNING, max_days=1)

        (mentee,) = run.ids(Role.MENTEE)[:1]
        concern = await run.task(TaskKind.CONCERN, mentee)
        await run.send(
            concern, Concern(task_id=concern.task_id, participant_id=mentee, text="Un souci")
        )

        async def projected() -> str | None:
            await projector.catch_up()
            html = (await http.get(programme)).text
            ready = "/pairs/0001" in html and "/concerns/" in html
            return html if ready else None

        pages["programme running"] = await eventually(projected, "pairs and the concern")
        pair = f"{programme}/pairs/0001"
        shown = (await http.get(pair)).text
        pages["pair"] = shown
        end = {"csrf_token": form_token(shown), "reason": "Un essai"}
        ended = await http.post(f"{pair}/end", data=end)  # refused before the chemistry answers
        pages["refused end"] = (await http.get(ended.headers["location"])).text
        link = re.search(r'href="(/coordinator/p/[^"]+/concerns/\d+)"', pages["programme running"])
        assert link is not None
        pages["concern"] = (await http.get(link[1])).text
        pages["audit"] = (await http.get(f"{programme}/audit")).text
        pages["accounts"] = (await http.get(f"{base}/accounts")).text
        pages["report"] = (await http.get(f"{programme}/report")).text
        pages["not found"] = (await http.get(f"{base}/p/{uuid.uuid4().hex}")).text
    data = data_of(run) | {"0001", "Un souci", "Un essai", "p-nobody"}
    assert_catalogued(pages, data)


def _info(code: Refusal, params: dict[str, Any]) -> RefusalInfo:
    return RefusalInfo(code, params)


def _unmatched(code: UnmatchedReason) -> Unmatched:
    return Unmatched(
        participant_id="s-1", reason="", code=code, compatible=2, ruled_out={"grade": 3}
    )


def _factors() -> list[Factor]:
    return [
        Factor(code=FactorCode.SKILLS, points=1, skills=(TaughtSkill(skill="s-1", priority=1),)),
        Factor(code=FactorCode.EXCHANGE, points=1, topics=("leadership",)),
        Factor(code=FactorCode.AVAILABILITY, points=1, slots=2),
        Factor(code=FactorCode.FORMAT, points=1, formats=("remote", "hybrid")),
        Factor(code=FactorCode.LANGUAGE, points=1, language="fr"),
        Factor(code=FactorCode.DEPARTMENT, points=1, departments=("Finance", "IT")),
    ]


def _pair_with(factor: Factor) -> ProposedPair:
    return ProposedPair(mentor_id="a", mentee_id="b", score=1, factors=(factor,))
