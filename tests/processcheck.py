"""What the tests of the claim, onboarding and loan processes share: where the processes are, engines for the
demo tests, the checks every diagram must pass, a driver for the decision tables and scripts, and the base of
the REST drivers (``desk``) of the scenario tests.
"""
from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from collections import Counter
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar, Iterator

from lxml import etree

from engine.bootstrap import build
from engine.bpmn.loader import parse_definition, read_process_dir
from engine.bpmn.runner import queue_name
from engine.bpmn.scripting import CaseScriptEngine, ServiceRegistry
from engine.bpmn.validate import validate_paths
from engine.clock import ManualClock
from engine.context import Context
from engine.services import auth, cases, scheduler
from engine.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PROCESSES = PROJECT_ROOT / "processes"
CLAIM_DIR, ONBOARDING_DIR, LOAN_DIR = PROCESSES / "claim", PROCESSES / "onboarding", PROCESSES / "loan"


# -- engines for the demo tests ---------------------------------------------------------------------------
@contextmanager
def engine_for(home: Path, *folders: Path) -> Iterator[Context]:
    """An engine on SQLite in ``home`` with the processes in ``folders`` and a manual clock."""
    context = build(Settings(home=home), clock=ManualClock(), definitions=[read_process_dir(f) for f in folders])
    try:
        yield context
    finally:
        context.db.dispose()


@cache
def combined_demo() -> tuple[Context, dict[str, Any]]:
    """An engine with all three processes and the whole demo (``webapp.demo.load_demo``) loaded: played once
    per test session (it takes seconds), for the demo tests of every process to read, never to change."""
    from webapp.demo import load_demo  # noqa: PLC0415  (only the demo tests need it)

    home = Path(tempfile.mkdtemp(prefix="caseworks-demo-"))
    context = build(Settings(home=home / "home"), clock=ManualClock(),
                    definitions=[read_process_dir(f) for f in (CLAIM_DIR, ONBOARDING_DIR, LOAN_DIR)])
    atexit.register(shutil.rmtree, home, True)
    atexit.register(context.db.dispose)
    return context, load_demo(context)


def case_states(ctx: Context, references: list[str]) -> Counter[tuple[Any, ...]]:
    """How many of the cases are in each state: status, outcome, stage, awaited messages, open tasks and
    whether an incident stops them (to compare two plays of the same stories)."""
    views = [cases.get_case(ctx, ref) for ref in references]
    return Counter((v["status"], v["outcome"], v["stage"], tuple(v["waiting_for"]),
                    tuple(sorted(t["name"] for t in v["open_tasks"])), v["incident"] is None) for v in views)


# -- diagrams --------------------------------------------------------------------------------------------
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC", "di": "http://www.omg.org/spec/DD/20100524/DI",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
FLOW_NODES = ("startEvent", "endEvent", "boundaryEvent", "intermediateCatchEvent", "userTask", "serviceTask",
              "scriptTask", "businessRuleTask", "receiveTask", "exclusiveGateway", "eventBasedGateway")
Box = tuple[float, float, float, float]
Point = tuple[float, float]
Segment = tuple[Point, Point]


def diagram(folder: Path) -> Any:
    """The parsed ``<folder name>.bpmn`` of a process folder."""
    return etree.parse(str(folder / f"{folder.name}.bpmn"))


def xpath(doc: Any, query: str) -> list[Any]:
    return list(doc.xpath(query, namespaces=NS))


def flow_nodes(doc: Any) -> list[Any]:
    return [n for kind in FLOW_NODES for n in xpath(doc, f"//bpmn:process/bpmn:{kind}")]


def shapes(doc: Any) -> dict[str, Box]:
    boxes = {}
    for shape in xpath(doc, "//bpmndi:BPMNShape"):
        b = shape.find("dc:Bounds", NS)
        assert shape.get("bpmnElement") not in boxes, f"two shapes for {shape.get('bpmnElement')}"
        boxes[shape.get("bpmnElement")] = tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))
    return boxes


def waypoints(doc: Any) -> dict[str, list[Point]]:
    return {e.get("bpmnElement"): [(float(p.get("x")), float(p.get("y"))) for p in e.findall("di:waypoint", NS)]
            for e in xpath(doc, "//bpmndi:BPMNEdge")}


def segments(points: list[Point]) -> list[Segment]:
    return list(zip(points, points[1:], strict=False))


def on_border(point: Point, box: Box) -> bool:
    (px, py), (x, y, w, h) = point, box
    inside = x - 1 <= px <= x + w + 1 and y - 1 <= py <= y + h + 1
    return inside and min(abs(px - x), abs(px - x - w), abs(py - y), abs(py - y - h)) <= 1


def contains(outer: Box, inner: Box) -> bool:
    return (outer[0] <= inner[0] and outer[1] <= inner[1] and inner[0] + inner[2] <= outer[0] + outer[2]
            and inner[1] + inner[3] <= outer[1] + outer[3])


def overlap(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def crosses(a: Segment, b: Segment) -> bool:
    """Whether a horizontal and a vertical segment cut through each other (touching ends do not count)."""
    (h1, h2), (v1, v2) = (a, b) if a[0][1] == a[1][1] else (b, a)
    if h1[1] != h2[1] or v1[0] != v2[0]:
        return False  # both horizontal or both vertical: collinear overlaps are checked elsewhere
    return (min(h1[0], h2[0]) < v1[0] < max(h1[0], h2[0])) and (min(v1[1], v2[1]) < h1[1] < max(v1[1], v2[1]))


def runs_along(a: Segment, b: Segment) -> bool:
    """Whether two segments lie on the same line and share a stretch (two flows drawn on top of each other)."""
    for axis in (0, 1):
        other = 1 - axis
        if a[0][axis] == a[1][axis] == b[0][axis] == b[1][axis]:
            low = max(min(a[0][other], a[1][other]), min(b[0][other], b[1][other]))
            high = min(max(a[0][other], a[1][other]), max(b[0][other], b[1][other]))
            return high > low
    return False


def props(node: Any) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in node.xpath(".//spiffworkflow:property", namespaces=NS)}


class DiagramConventions:
    """The checks every process diagram passes, as a modeler and a front-office agent need it: a complete, tidy
    diagram and the conventions kept. bpmn.io draws only what has diagram interchange: every flow node, lane and
    the pool need a shape, every sequence flow an edge that starts on its source and ends on its target.

    A process's diagram test subclasses it as a ``Test...`` class that says what its process should have, and
    gives the (module) fixture ``doc``: the parsed diagram.
    """

    folder: ClassVar[Path]
    queues: ClassVar[dict[str, str]]  # user task -> the queue of its lane
    outcomes: ClassVar[dict[str, str]]  # terminating end event -> outcome
    separate_from: ClassVar[tuple[str, str]]  # (user task, the tasks its performer must not have done)

    def test_the_process_folder_validates_cleanly(self) -> None:
        assert [str(p) for p in validate_paths([self.folder])] == []

    def test_every_element_has_a_shape_and_every_flow_an_edge(self, doc: Any) -> None:
        boxes = shapes(doc)
        ids = [n.get("id") for n in flow_nodes(doc)]
        ids += [e.get("id") for e in xpath(doc, "//bpmn:lane | //bpmn:participant")]
        assert [i for i in ids if i not in boxes] == []
        edges = waypoints(doc)
        flows = xpath(doc, "//bpmn:sequenceFlow")
        assert sorted(edges) == sorted(f.get("id") for f in flows)
        for flow in flows:
            points = edges[flow.get("id")]
            assert len(points) >= 2
            assert on_border(points[0], boxes[flow.get("sourceRef")]), f"{flow.get('id')} does not leave its source"
            assert on_border(points[-1], boxes[flow.get("targetRef")]), f"{flow.get('id')} does not reach its target"
            assert all(a[0] == b[0] or a[1] == b[1] for a, b in segments(points)), f"{flow.get('id')} is slanted"

    def test_nodes_sit_in_their_lanes_inside_the_pool_without_overlapping(self, doc: Any) -> None:
        boxes = shapes(doc)
        [pool] = xpath(doc, "//bpmn:participant")
        lanes = xpath(doc, "//bpmn:lane")
        for lane in lanes:
            assert contains(boxes[pool.get("id")], boxes[lane.get("id")])
            for ref in lane.findall("bpmn:flowNodeRef", NS):
                assert contains(boxes[lane.get("id")], boxes[ref.text]), f"{ref.text} is outside its lane"
        in_lanes = [ref.text for lane in lanes for ref in lane.findall("bpmn:flowNodeRef", NS)]
        assert sorted(in_lanes) == sorted(n.get("id") for n in flow_nodes(doc))  # each node in one lane
        lane_boxes = [boxes[lane.get("id")] for lane in lanes]
        assert not any(overlap(a, b) for i, a in enumerate(lane_boxes) for b in lane_boxes[i + 1:])
        attached = {b.get("id") for b in xpath(doc, "//bpmn:boundaryEvent")}
        nodes = [n.get("id") for n in flow_nodes(doc) if n.get("id") not in attached]
        clashes = [(a, b) for i, a in enumerate(nodes) for b in nodes[i + 1:] if overlap(boxes[a], boxes[b])]
        assert clashes == []

    def test_boundary_events_sit_on_their_activity(self, doc: Any) -> None:
        boxes = shapes(doc)
        for event in xpath(doc, "//bpmn:boundaryEvent"):
            x, y, w, h = boxes[event.get("id")]
            assert on_border((x + w / 2, y + h / 2), boxes[event.get("attachedToRef")])

    def test_user_tasks_have_a_lane_queue_and_a_form(self, doc: Any) -> None:
        lanes = {ref.text: queue_name(lane.get("name")) for lane in xpath(doc, "//bpmn:lane")
                 for ref in lane.findall("bpmn:flowNodeRef", NS)}
        tasks = {t.get("id"): lanes[t.get("id")] for t in xpath(doc, "//bpmn:userTask")}
        assert tasks == self.queues
        for task in [*tasks, "start"]:
            form = json.loads((self.folder / "forms" / f"{task}.schema.json").read_text())
            assert form["title"] and form["description"] and set(form["ui:order"]) == set(form["properties"])
            assert all(field.get("title") for field in form["properties"].values())

    def test_every_wait_state_and_end_tells_the_customer_where_the_case_is(self, doc: Any) -> None:
        waits = xpath(doc, "//bpmn:userTask | //bpmn:receiveTask | //bpmn:endEvent | //bpmn:intermediateCatchEvent")
        assert [w.get("id") for w in waits if not props(w).get("statusText")] == []
        terminating = xpath(doc, "//bpmn:endEvent[bpmn:terminateEventDefinition]")
        assert {e.get("id"): props(e).get("outcome") for e in terminating} == self.outcomes
        task, others = self.separate_from
        assert props(xpath(doc, f"//bpmn:userTask[@id='{task}']")[0])["separateFrom"] == others


# -- decision tables and scripts -------------------------------------------------------------------------
def parse_process(folder: Path) -> Any:
    """The process of a folder as SpiffWorkflow parsed it (its DMN engines and scripts), no database."""
    return parse_definition(read_process_dir(folder))


def _script_engine() -> CaseScriptEngine:
    return CaseScriptEngine(ManualClock(), ServiceRegistry())


def decision_table(parsed: Any, task_id: str) -> Any:
    return parsed.spec.task_specs[task_id].dmnEngine.decision_table


def rules_of(parsed: Any, task_id: str) -> set[str]:
    return {r.id for r in decision_table(parsed, task_id).rules}


def decide(parsed: Any, task_id: str, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(id of the deciding rule, outputs) of the table behind a business-rule task, evaluated by SpiffWorkflow's
    own DMN engine with the engine's script engine."""
    engine = parsed.spec.task_specs[task_id].dmnEngine
    task = SimpleNamespace(data=dict(data), workflow=SimpleNamespace(script_engine=_script_engine()))
    matched = engine.decide(task)
    assert matched, f"no rule of {task_id} matched {data}"
    return matched[0].id, dict(engine.result(task))


def run_script(parsed: Any, task_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """The task data after the script of one script task ran on ``data``."""
    task = SimpleNamespace(data=dict(data), task_spec=parsed.spec.task_specs[task_id],
                           workflow=SimpleNamespace(spec=parsed.spec))
    _script_engine().execute(task, parsed.spec.task_specs[task_id].script)
    return task.data


# -- scenario drivers ------------------------------------------------------------------------------------
class Desk:
    """What every scenario driver has: the engine, the manual clock and the scheduler as the worker runs it."""

    def __init__(self, ctx: Context, clock: ManualClock) -> None:
        self.ctx = ctx
        self.clock = clock

    def case(self, reference: str) -> dict[str, Any]:
        raise NotImplementedError

    def tasks(self, reference: str) -> list[Any]:
        """The case's open tasks as (name, queue)."""
        return [(t["name"], t["queue"]) for t in self.case(reference)["open_tasks"]]

    def wait(self, **delta: float) -> int:
        """Let time pass and run the scheduler as the background worker would; returns instances woken."""
        self.clock.advance(**delta)
        fired, _jobs = scheduler.tick(self.ctx)
        return fired


class RestDesk(Desk):
    """A scenario driver over the REST API (the ``api`` fixture): what the people and systems around a case do,
    as HTTP calls; each named back-office person has their own token. Time moves only with ``wait``."""

    case_type: ClassVar[str]
    CASES, WORK_ITEMS = "/api/v1/cases", "/api/v1/work-items"

    def __init__(self, api: Any, ctx: Context, clock: ManualClock) -> None:
        super().__init__(ctx, clock)
        self.api = api
        self.tokens: dict[str, str] = {}

    # -- people and cases
    def token(self, username: str) -> str:
        """A back-office API token for ``username`` (the user is created on first use)."""
        if username not in self.tokens:
            self.tokens[username] = auth.create_token(self.ctx, username, "backoffice")
        return self.tokens[username]

    def open_response(self, data: dict[str, Any], customer: str = "Ann Example", role: str = "integration") -> Any:
        """Open a case of ``case_type`` from the web; returns the raw response."""
        first_name = (customer.split() or ["anonymous"])[0].lower()
        body = {"case_type": self.case_type, "channel": "web", "data": data,
                "customer": {"name": customer, "email": f"{first_name}@example.com"}}
        return self.api.post(self.CASES, role=role, json=body)

    def open_view(self, data: dict[str, Any], customer: str = "Ann Example",
                  role: str = "integration") -> dict[str, Any]:
        """Open a case; returns the new case as the API shows it."""
        response = self.open_response(data, customer, role)
        assert response.status_code == 201, response.json
        return dict(response.json)

    def open(self, data: dict[str, Any], customer: str = "Ann Example", role: str = "integration") -> str:
        """Open a case; returns its reference."""
        return str(self.open_view(data, customer, role)["reference"])

    def case(self, reference: str) -> dict[str, Any]:
        response = self.api.get(f"{self.CASES}/{reference}", role="frontoffice")
        assert response.status_code == 200, response.json
        return dict(response.json)

    def timeline(self, reference: str) -> list[dict[str, Any]]:
        """Timeline entries, oldest first."""
        response = self.api.get(f"{self.CASES}/{reference}/timeline", role="frontoffice")
        assert response.status_code == 200, response.json
        return list(reversed(response.json["items"]))

    def kinds(self, reference: str) -> list[str]:
        return [e["kind"] for e in self.timeline(reference)]

    def events(self, reference: str, kind: str) -> list[dict[str, Any]]:
        return [e["payload"] for e in self.timeline(reference) if e["kind"] == kind]

    def message(self, reference: str, name: str, data: dict[str, Any] | None = None,
                role: str = "integration") -> Any:
        return self.api.post(f"{self.CASES}/{reference}/messages/{name}", role=role, json={"data": data or {}})

    def send_documents(self, reference: str, *documents: str, role: str = "integration") -> Any:
        """Document capture tells the case that documents arrived (no list: everything that was asked for)."""
        return self.message(reference, "documents_received", {"documents": list(documents)} if documents else {},
                            role)

    # -- work
    def work_items(self, role: str = "integration", **query: str) -> list[dict[str, Any]]:
        params = "&".join(f"{k}={v}" for k, v in query.items())
        response = self.api.get(f"{self.WORK_ITEMS}?{params}", role=role)
        assert response.status_code == 200, response.json
        return list(response.json["items"])

    def item(self, reference: str, name: str) -> int:
        ids = [i["id"] for i in self.work_items(case=reference) if i["name"] == name]
        assert len(ids) == 1, f"{reference}: expected one open '{name}', have {self.tasks(reference)}"
        return int(ids[0])

    def claim(self, reference: str, name: str, username: str) -> Any:
        return self.api.post(f"{self.WORK_ITEMS}/{self.item(reference, name)}/claim", role=self.token(username))

    def submit(self, reference: str, name: str, username: str, **form: Any) -> Any:
        """Complete an (already claimed or unclaimed) task; returns the raw response."""
        return self.api.post(f"{self.WORK_ITEMS}/{self.item(reference, name)}/complete", role=self.token(username),
                             json={"data": form})

    def try_complete(self, reference: str, name: str, username: str, **form: Any) -> Any:
        """Claim (if possible) and complete; returns the completion response, or the claim's if it failed."""
        claimed = self.claim(reference, name, username)
        if claimed.status_code != 200:
            return claimed
        return self.submit(reference, name, username, **form)

    def complete(self, reference: str, name: str, username: str, **form: Any) -> dict[str, Any]:
        """Claim and complete a task as a person does on the worklist; both must succeed."""
        response = self.try_complete(reference, name, username, **form)
        assert response.status_code == 200, response.json
        return dict(response.json)
