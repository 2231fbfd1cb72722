"""The course in a real browser: JupyterLab, widgets and graphs, end to end.

nbval proves that the notebooks compute what they say; it does not prove that a learner sees
it. This test starts JupyterLab the way `make lab` does (on a free loopback port, with a
token), drives Debian's Chromium with Playwright, and checks what is on the screen:
the learning-rate explorer's slider and plot, that moving the slider with the keyboard
changes the result, and that a computational graph is drawn as an SVG with the expected
node labels. Screenshots go to artifacts/ for a person to look at.

Where Chromium is missing the test skips with one line, except under CI
(MINIGRAD_REQUIRE_BROWSER=1), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = os.environ.get("MINIGRAD_CHROMIUM", "/usr/bin/chromium")
LR_LESSON = "07_training_loops.ipynb"
GRAPH_LESSON = "01_computational_graphs.ipynb"
# Chromium must not try to reach the network (there is none here) or keep a profile.
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def _require_browser():
    """Playwright and Chromium, or a skip (a failure when the browser test is required)."""
    required = os.environ.get("MINIGRAD_REQUIRE_BROWSER") == "1"
    problems = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("the playwright package is not installed (pip install playwright)")
    if not Path(CHROMIUM).exists():
        problems.append(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    if problems:
        message = "browser test needs " + "; ".join(problems)
        if required:
            pytest.fail(message + " (MINIGRAD_REQUIRE_BROWSER=1)")
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a copy of the lessons (so running cells never edits the repo)."""
    _require_browser()
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    port, token = _free_port(), "minigrad-browser-test"
    bin_dir = str(Path(sys.executable).parent)
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""),
               PYTHONHASHSEED="0", JUPYTER_CONFIG_DIR=str(root / "config"),
               JUPYTER_DATA_DIR=str(root / "data"), JUPYTER_RUNTIME_DIR=str(root / "runtime"))
    # JUPYTER_DATA_DIR moved: point the kernel spec back at this interpreter's.
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    # No "get notified about Jupyter news?" pop-up over the screenshots.
    settings = root / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    env["JUPYTERLAB_SETTINGS_DIR"] = str(root / "settings")
    command = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
        "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root / 'notebooks'}", "--LabApp.expose_app_in_browser=True",
        f"--LabApp.workspaces_dir={root / 'workspaces'}",
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if os.geteuid() == 0:  # as `make lab` does: containers and CI machines run as root
        command.append("--allow-root")
    log = open(root / "jupyter.log", "w")
    server = subprocess.Popen(command, env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail("JupyterLab did not start:\n" + (root / "jupyter.log").read_text())
                time.sleep(0.5)
        yield base, token
    finally:
        _stop(server)
        log.close()


def _stop(server: subprocess.Popen) -> None:
    """Stop the server and everything it started (its kernels) as one process group."""
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)
    except ProcessLookupError:
        pass  # it had already exited
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


@pytest.fixture(scope="module")
def browser(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _open_and_run(browser, lab, notebook: str):
    """Open a notebook in JupyterLab, run every cell, and wait until the kernel is done."""
    base, token = lab
    if not (ROOT / "notebooks" / notebook).exists():
        pytest.fail(f"notebooks/{notebook} is missing: the browser test opens it")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    # ?reset: a fresh workspace, so the notebook of an earlier test is not reopened beside it.
    page.goto(f"{base}/lab/tree/{notebook}?reset&token={token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    page.wait_for_function(
        "() => window.jupyterapp && document.querySelector('.jp-Notebook')"
        " && document.querySelector('.jp-Notebook-ExecutionIndicator, .jp-KernelStatus')"
    )
    # Wait for the kernel, then run everything through JupyterLab's own command.
    page.wait_for_function(
        "() => { const w = window.jupyterapp.shell.currentWidget;"
        " return w && w.sessionContext && w.sessionContext.session"
        " && w.sessionContext.session.kernel"
        " && w.sessionContext.session.kernel.status === 'idle'; }"
    )
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(
        "() => { const w = window.jupyterapp.shell.currentWidget;"
        " const prompts = [...document.querySelectorAll('.jp-InputArea-prompt')];"
        " return prompts.length > 0 && !prompts.some(p => p.textContent.includes('*'))"
        " && w.sessionContext.session.kernel.status === 'idle'; }",
        timeout=120_000,
    )
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    tracebacks = [t for t in errors.all_inner_texts() if "Traceback" in t or "Error" in t]
    assert not tracebacks, f"{notebook} raised in the browser:\n" + "\n".join(tracebacks)
    return page


def _screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=False)
    print(f"screenshot: {path}")
    return path


def test_learning_rate_slider_moves_and_updates_the_plot(browser, lab):
    page = _open_and_run(browser, lab, LR_LESSON)
    slider = page.locator(".widget-slider .noUi-handle, .jupyter-widgets .noUi-handle").first
    slider.scroll_into_view_if_needed()
    assert slider.is_visible(), "the learning-rate slider did not render"
    image = page.locator(".widget-output img, .jupyter-widgets-output-area img").first
    image.wait_for(state="visible")
    assert image.get_attribute("src").startswith("data:image/png"), "the plot is not an image"
    before = _result_text(page)
    _screenshot(page, "browser_lr_explorer_before.png")

    slider.focus()
    for _ in range(12):  # a log slider: each step multiplies the learning rate
        slider.press("ArrowRight")
    readout = page.locator(".widget-readout").first.inner_text()
    expected = f"lr={float(readout):.4f}"
    # Each key press is a new value; wait until the kernel has caught up with the last one.
    page.wait_for_function(
        "(expected) => [...document.querySelectorAll('.widget-output')]"
        ".some(e => e.innerText.includes(expected))",
        arg=expected, timeout=90_000,
    )
    after = _result_text(page)
    _screenshot(page, "browser_lr_explorer_after.png")
    assert after != before, "moving the slider did not change the explorer's result"
    assert expected in after, f"the explorer shows {after!r}, not the slider's {expected}"
    page.close()


def _result_text(page) -> str:
    return "\n".join(page.locator(".widget-output").all_inner_texts())


def test_computational_graph_is_drawn_as_svg(browser, lab):
    page = _open_and_run(browser, lab, GRAPH_LESSON)
    # JupyterLab shows an SVG output as an <img> whose source is the SVG document itself.
    graphs = page.locator(".jp-OutputArea-output img[src^='data:image/svg+xml']")
    graphs.first.wait_for(state="attached")
    assert graphs.count() > 0, "no rendered graph (SVG) in the lesson's outputs"
    # JupyterLab only lays out cells near the viewport: bring the first graph's cell there.
    index = page.evaluate(
        """async () => {
            const notebook = window.jupyterapp.shell.currentWidget.content;
            const i = notebook.widgets.findIndex(cell => cell.model.type === 'code'
                && cell.model.outputs.toJSON().some(o => o.data && o.data['image/svg+xml']));
            if (i >= 0) { notebook.activeCellIndex = i; await notebook.scrollToItem(i, 'start'); }
            return i;
        }"""
    )
    assert index >= 0, "no cell of the lesson has an SVG output"
    active_cell = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell.jp-mod-active"
    first = page.locator(f"{active_cell} img[src^='data:image/svg+xml']").first
    first.wait_for(state="visible")
    assert first.is_visible() and first.bounding_box()["width"] > 100, "the graph is not shown"
    svgs = [urllib.parse.unquote(src.split(",", 1)[1])
            for src in (g.get_attribute("src") for g in graphs.all())]
    labels = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", " ".join(svgs)))
    for expected in ("AddBackward0", "PowBackward0", "AccumulateGrad"):
        assert expected in labels, f"the drawn graphs lack a node labelled {expected}"
    _screenshot(page, "browser_graph.png")
    page.close()
