"""The model library pages (/models): who may use them, versions with running instances, downloads,
uploads refused with every problem listed, and the diff between two versions.

Every file of the shared corpus (tests/data/corpus, the same files as /work/shared/corpus) goes through
the upload form on its own: deployed, or refused with a readable page, never a 5xx.
"""
from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import func, select

from app.models import ProcessDefinition, ProcessInstance
from app.services import model_library
from app.services.users import Principal
from app import create_app
from app.db import UnitOfWork
from app.store import database
from tests.conftest import _base_config
from tests.helpers import DATA
from tests.integration.test_support_request_flow import intake
from tests.page_client import PageClient


ROOT = Path(__file__).resolve().parents[2]
SUPPORT = ROOT / "processes" / "it_support_request.bpmn"
CORPUS_FILES = sorted(p for p in (DATA / "corpus").rglob("*") if p.is_file())
OWNER = Principal("owner", frozenset({"process_owner"}))


@pytest.fixture
def backend() -> str:
    """The library reads and deploys through services tested on both databases: SQLite is enough here."""
    return "sqlite"


def reader(app) -> UnitOfWork:
    return UnitOfWork(database(app), write=False)


def changed_support_request() -> bytes:
    """Flow 1 as an owner would change it: tier 2's work also open to the desk, renamed, a stricter
    escalation condition, and one shape moved (no change to what runs)."""
    text = SUPPORT.read_text(encoding="utf-8")
    text = text.replace('<bpmn:userTask id="tier2_resolve" name="二线处理" camunda:candidateGroups="tier2"',
                        '<bpmn:userTask id="tier2_resolve" name="二线处理与复核" '
                        'camunda:candidateGroups="tier2,service_desk"')
    text = text.replace('tier1_outcome == "escalate"</bpmn:conditionExpression>',
                        'tier1_outcome == "escalate" and not resolved_at_first_contact</bpmn:conditionExpression>')
    text = text.replace('<dc:Bounds x="2040" y="920" width="100" height="80" />',
                        '<dc:Bounds x="2050" y="920" width="100" height="80" />')
    assert text.count("二线处理与复核") == 1 and "and not resolved_at_first_contact" in text
    return text.encode()


def upload(page: PageClient, *files: tuple[str, bytes], token: bool = True):
    data = {"files": [(io.BytesIO(content), name) for name, content in files]}
    if token:
        data["csrf_token"] = page.token
    return page.client.post("/models", data=data, content_type="multipart/form-data", headers=page._headers())


def _running_cells(html: str) -> dict[int, int]:
    return {int(v): int(n) for v, n in re.findall(r'<tr data-version="(\d+)">.*?class="num running">(\d+)<', html,
                                                  re.S)}


def test_only_process_owners_and_admins_use_the_library(app):
    for user in ("requester", "desk", "tier1", "pm"):
        page = PageClient(app, user, "en")
        for path in ("/models", "/models/it_support_request", "/models/it_support_request/diff",
                     "/models/it_support_request/versions/1/download",
                     "/models/it_support_request/versions/1/diagram.bpmn"):
            assert page.get(path).status_code == 403, (user, path)
        assert upload(page, ("x.bpmn", SUPPORT.read_bytes())).status_code == 403
        assert 'href="/models"' not in page.get("/account").get_data(as_text=True)
    for user in ("owner", "admin"):
        page = PageClient(app, user, "en")
        listing = page.get("/models")
        assert listing.status_code == 200 and 'href="/models"' in listing.get_data(as_text=True)
    anonymous = app.test_client().get("/models")
    assert anonymous.status_code in (302, 401)


def test_the_library_lists_every_shipped_model_with_its_versions(app):
    page = PageClient(app, "owner", "zh")
    html = page.get("/models").get_data(as_text=True)
    shipped = {p.stem for p in (ROOT / "processes").glob("*.bpmn")}
    for key in shipped | {"tier1_dispatch"} | {p.stem for p in (ROOT / "forms").glob("*.form")}:
        assert f'data-key="{key}"' in html, key
    assert "模型库" in html and "决策表" in html and "表单" in html
    assert 'name="csrf_token"' in html and 'enctype="multipart/form-data"' in html


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_running_instances_per_version_equal_a_direct_count(app, api):
    page = PageClient(app, "owner", "en")
    first = [api.start("it_support_request", intake(), user="requester") for _ in range(2)]
    assert upload(page, ("it_support_request.bpmn", changed_support_request())).status_code == 302
    api.start("it_support_request", intake(), user="requester")
    assert api.client.delete(f"/engine-rest/process-instance/{first[0]}",
                             headers=api.headers("admin")).status_code == 204
    with app.app_context(), reader(app) as uow:
        direct = dict(uow.session.execute(
            select(ProcessDefinition.version, func.count(ProcessInstance.id))
            .join(ProcessInstance, ProcessInstance.definition_id == ProcessDefinition.id)
            .where(ProcessDefinition.key == "it_support_request", ProcessInstance.status == "ACTIVE")
            .group_by(ProcessDefinition.version)).all())
    assert direct == {1: 1, 2: 1}
    model = model_library.model(reader(app), OWNER, "it_support_request")
    assert {v.version: v.running for v in model.versions} == {**{v: 0 for v in (1, 2)}, **direct}
    assert _running_cells(page.get("/models/it_support_request").get_data(as_text=True)) == {1: 1, 2: 1}


def test_a_download_is_the_deployed_file_byte_for_byte(app):
    page = PageClient(app, "admin", "en")
    for path, kind, key in ((SUPPORT, "process", "it_support_request"),
                            (ROOT / "processes" / "tier1_dispatch.dmn", "decision", "tier1_dispatch"),
                            (ROOT / "forms" / "tier1_diagnose.form", "form", "tier1_diagnose")):
        response = page.get(f"/models/{key}/versions/1/download?kind={kind}")
        assert response.status_code == 200, (key, response.status_code)
        assert response.data == path.read_bytes()
        assert response.mimetype == ("application/json" if kind == "form" else "application/xml")
        assert f'filename="{path.name}"' in response.headers["Content-Disposition"]
    assert page.get("/models/it_support_request/versions/9/download").status_code == 404
    assert page.get("/models/no_such_model").status_code == 404
    assert page.get("/models/it_support_request?kind=spreadsheet").status_code == 400


def test_an_upload_with_problems_lists_every_one_and_deploys_nothing(app):
    page = PageClient(app, "owner", "en")
    broken = (SUPPORT.read_text(encoding="utf-8")
              .replace('camunda:candidateGroups="tier2"', 'camunda:candidateGroups="night_shift"')
              .replace('camunda:formRef="track_vendor_case"', 'camunda:formRef="no_such_form"'))
    before = model_library.model(reader(app), OWNER, "it_support_request").versions
    response = upload(page, ("it_support_request.bpmn", broken.encode()))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Nothing was deployed: 2 problems must be fixed first." in html
    by_element = {element: (resource, line, message) for resource, element, line, message in _problems(html)}
    assert by_element["tier2_resolve"][:2] == ("it_support_request.bpmn", str(_line_of(broken, 'id="tier2_resolve"')))
    assert by_element["tier2_resolve"][2] == "group &#39;night_shift&#39; is not deployed"
    assert by_element["track_vendor_case"][:2] == ("it_support_request.bpmn",
                                                   str(_line_of(broken, 'id="track_vendor_case"')))
    assert by_element["track_vendor_case"][2] == "form &#39;no_such_form&#39; is not deployed"
    other = upload(page, ("notes.txt", b"hello"))
    assert other.status_code == 400
    assert _problems(other.get_data(as_text=True)) == [
        ("notes.txt", "—", "—", "unsupported file type; deploy .bpmn, .dmn or .form files")]
    assert model_library.model(reader(app), OWNER, "it_support_request").versions == before


def _problems(html: str) -> list[tuple[str, str, str, str]]:
    """The refusal's rows: (file, element, line, message)."""
    return re.findall(r'<td class="problem-file">(.*?)</td>\s*<td class="problem-element"><code>(.*?)</code></td>\s*'
                      r'<td class="problem-line nowrap">(.*?)</td>\s*<td class="problem-message">(.*?)</td>',
                      html, re.S)


def _line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


def test_an_upload_needs_the_form_token_and_a_file(app):
    page = PageClient(app, "owner", "en")
    assert upload(page, ("it_support_request.bpmn", changed_support_request()), token=False).status_code == 400
    empty = page.post_form("/models")
    assert empty.status_code == 400 and "a deployment needs at least one" in empty.get_data(as_text=True)


def test_an_unchanged_upload_deploys_nothing_new(app):
    page = PageClient(app, "owner", "en")
    response = upload(page, ("it_support_request.bpmn", SUPPORT.read_bytes()))
    assert response.status_code == 302
    assert "Nothing changed" in page.get("/models").get_data(as_text=True)
    assert [v.version for v in model_library.model(reader(app), OWNER, "it_support_request").versions] == [1]


def test_the_diff_of_a_changed_model_lists_what_changed(app):
    page = PageClient(app, "owner", "zh")
    assert upload(page, ("it_support_request.bpmn", changed_support_request())).status_code == 302
    assert "已部署" in page.get("/models").get_data(as_text=True)
    result = model_library.compare(reader(app), OWNER, "it_support_request", 1, 2)
    assert {(c.element_id, c.change) for c in result.changes} == {("tier2_resolve", "changed"),
                                                                  ("flow_tier1_escalate", "changed")}
    [task] = [c for c in result.changes if c.element_id == "tier2_resolve"]
    assert {(d.what, d.before, d.after) for d in task.details} == {
        ("name", "二线处理", "二线处理与复核"), ("camunda:candidateGroups", "tier2", "tier2,service_desk")}
    html = page.get("/models/it_support_request/diff?from=1&to=2").get_data(as_text=True)
    assert "从 v1 到 v2 的变更" in html and "候选组" in html and "tier2,service_desk" in html
    assert re.search(r'<tr class="change change-changed" data-element="tier2_resolve">', html)
    marks = re.search(r'id="diff-marks">(.*?)</script>', html).group(1)
    assert '"changed": ["flow_tier1_escalate", "tier2_resolve"]' in marks
    assert page.get("/models/it_support_request/diff").get_data(as_text=True).count("data-element=") == 2
    assert page.get("/models/it_support_request/diff?from=abc&to=2").status_code == 400
    assert page.get("/models/it_support_request/diff?from=1&to=7").status_code == 404
    diagram = page.get("/models/it_support_request/versions/2/diagram.bpmn")
    assert diagram.status_code == 200 and "二线处理与复核".encode() in diagram.data


def test_decision_and_form_versions_diff_as_lists(app):
    page = PageClient(app, "owner", "en")
    dmn = (ROOT / "processes" / "tier1_dispatch.dmn").read_text(encoding="utf-8")
    form = (ROOT / "forms" / "tier1_diagnose.form").read_text(encoding="utf-8")
    changed_dmn = dmn.replace('<text>"tier1_network"</text>', '<text>"tier2"</text>')
    changed_form = form.replace('"label": "处理结果"', '"label": "处理结论"', 1)
    assert changed_dmn != dmn and changed_form != form
    assert upload(page, ("tier1_dispatch.dmn", changed_dmn.encode()),
                  ("一线诊断.form", changed_form.encode())).status_code == 302
    download = page.get("/models/tier1_diagnose/versions/2/download?kind=form")
    assert download.data == changed_form.encode()
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=\"____.form\"; filename*=UTF-8''%E4%B8%80%E7%BA%BF%E8%AF%8A%E6%96%AD.form")
    decision = page.get("/models/tier1_dispatch/diff?kind=decision").get_data(as_text=True)
    assert 'data-element="rule_network"' in decision and "&#34;tier2&#34;" in decision and "diff-marks" not in decision
    form_diff = page.get("/models/tier1_diagnose/diff?kind=form&from=1&to=2").get_data(as_text=True)
    assert 'data-element="tier1_outcome"' in form_diff and "处理结论" in form_diff
    show = page.get("/models/tier1_diagnose?kind=form").get_data(as_text=True)
    assert 'data-version="2"' in show and "Changes from v1" in show


def test_a_process_version_made_by_a_changed_form_names_the_form(app):
    page = PageClient(app, "owner", "en")
    form = (ROOT / "forms" / "tier1_diagnose.form").read_text(encoding="utf-8")
    changed_form = form.replace('"label": "处理结果"', '"label": "处理结论"', 1)
    assert upload(page, ("it_support_request.bpmn", SUPPORT.read_bytes()),
                  ("tier1_diagnose.form", changed_form.encode())).status_code == 302
    result = model_library.compare(reader(app), OWNER, "it_support_request", 1, 2)
    assert result.changes == []
    assert result.linked == [model_library.LinkedChange("form", "tier1_diagnose", "一线诊断", 1, 2)]
    html = page.get("/models/it_support_request/diff").get_data(as_text=True)
    assert 'data-linked="tier1_diagnose"' in html
    assert "/models/tier1_diagnose/diff?kind=form&amp;from=1&amp;to=2" in html
    assert "The process itself did not change" in html


@pytest.fixture(scope="module")
def owner_page(sqlite_template, tmp_path_factory):
    """One library for the whole corpus, signed in once: the files go in one after another, as an owner
    trying each would upload them (a database per file made this the slowest test of the suite)."""
    path = tmp_path_factory.mktemp("library") / "servicedesk.db"
    shutil.copyfile(sqlite_template, path)
    app = create_app(_base_config(f"sqlite:///{path}"))
    yield PageClient(app, "owner", "en")
    database(app).dispose()


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[f"{p.parent.name}/{p.name}" for p in CORPUS_FILES])
def test_every_corpus_file_uploads_without_a_server_error(owner_page, path):
    page = owner_page
    response = upload(page, (path.name, path.read_bytes()))
    assert response.status_code in (302, 400), (path.name, response.status_code)
    if response.status_code == 400:
        html = response.get_data(as_text=True)
        assert "Nothing was deployed" in html and 'class="problem-message"' in html
        return
    for kind, key in _defined(path):  # what went in reads back: versions, diff, download, diagram
        latest = re.findall(r'<tr data-version="(\d+)">', page.get(f"/models/{key}?kind={kind}").get_data(as_text=True))
        assert latest, (kind, key)
        version = latest[0]
        paths = [f"/models/{key}/diff?kind={kind}&from={latest[-1]}&to={version}",  # another file's, if any
                 f"/models/{key}/versions/{version}/download?kind={kind}"]
        if kind == "process":
            paths.append(f"/models/{key}/versions/{version}/diagram.bpmn")
        for address in paths:
            assert page.get(address).status_code == 200, address
    assert page.get("/models").status_code == 200


def _defined(path: Path) -> list[tuple[str, str]]:
    """The executable processes (BPMN) or decisions (DMN) a deployed corpus file defines."""
    root = etree.fromstring(path.read_bytes(), etree.XMLParser(resolve_entities=False, no_network=True))
    if path.suffix == ".dmn":
        return [("decision", e.get("id")) for e in root if isinstance(e.tag, str)
                and etree.QName(e).localname == "decision"]
    return [("process", e.get("id")) for e in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}process")
            if e.get("isExecutable", "true").lower() != "false"]
