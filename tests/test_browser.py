"""In a real browser: JupyterLab runs notebook 03 and a click on a MaskEditor frame toggle changes the mask string.

The test starts `jupyter lab` (this environment's, headless, a free localhost port, a token) on a
temporary copy of `notebooks/03_random_masking.ipynb`, drives Debian's Chromium (`/usr/bin/chromium`,
package `chromium`) with Playwright, runs every cell, clicks a frame toggle and waits for the kernel's
new layout string to show. Playwright's own browser download is never used.

Without /usr/bin/chromium the test is skipped, except under CI (`CI` set, as `.ci/run` does, which
also installs the browser): there a missing browser is a failure. On failure a screenshot and the
server's log are kept in the test's tmp folder (its path is in the failure message).
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "03_random_masking.ipynb"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TOKEN = "seine-lite-browser-test"
LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))   # localhost: never through a proxy
SERVER_START_S, PAGE_LOAD_S, RUN_ALL_S, CLICK_S = 180, 180, 420, 60   # 2 slow, shared cores in CI

# Lab settings for the test's own settings folder: every cell rendered (no windowing), no news or
# update toasts over the notebook.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"checkForUpdates": False, "fetchNews": "false", "doNotDisturbMode": True},
}


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(proc, base: str, log: Path):
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with LOCAL.open(f"{base}/api/status?token={TOKEN}", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise RuntimeError(f"jupyter lab did not answer in {SERVER_START_S} s:\n{log.read_text()[-4000:]}")


def _stop_server(proc, base: str):
    """Shut the server down with its kernels; then kill whatever it started that is still alive."""
    import psutil

    try:
        started = psutil.Process(proc.pid).children(recursive=True)   # kernels run in their own sessions
    except psutil.NoSuchProcess:
        started = []
    if proc.poll() is None:
        try:
            request = urllib.request.Request(f"{base}/api/shutdown?token={TOKEN}", method="POST")
            LOCAL.open(request, timeout=10).close()
            proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            pass
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
    for child in started:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(started, timeout=15)


@pytest.fixture()
def jupyter_lab(tmp_path):
    """A JupyterLab server on a temporary copy of notebook 03 (outputs and widget state stripped)."""
    work, home = tmp_path / "work", tmp_path / "jupyter"
    work.mkdir()
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    notebook["metadata"].pop("widgets", None)
    (work / NOTEBOOK.name).write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    for name, values in LAB_SETTINGS.items():
        path = home / "lab-settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")

    env = dict(os.environ, SEINE_LITE_QUICK="1", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "lab-settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), IPYTHONDIR=str(home / "ipython"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "jupyter-lab.log"
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={TOKEN}",
               f"--ServerApp.root_dir={work}", "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly", "--LabApp.expose_app_in_browser=True"]
    if os.geteuid() == 0:                          # CI runs as root
        command.append("--allow-root")
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_for_server(proc, base, log)
        yield {"base": base, "notebook": NOTEBOOK.name, "log": log, "tmp": tmp_path}
    finally:
        _stop_server(proc, base)


@pytest.fixture()
def browser_page():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found (Debian: apt-get install chromium; .ci/run installs it)"
        if _in_ci():
            pytest.fail(f"{reason}; CI is set, so the browser test must run")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
                                             timeout=120_000)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(PAGE_LOAD_S * 1000)
            yield page
        finally:
            browser.close()


LABEL_IS = "t => (document.querySelector('.seine-mask-string') || {}).textContent === t"


def _flip(layout: str, i: int) -> str:
    return layout[:i] + ("." if layout[i] == "x" else "x") + layout[i + 1:]


def _run_all_cells(page) -> list:
    """Run > Run All Cells through the app's command registry; returns the error outputs (ename: evalue)."""
    page.wait_for_function("() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
                           " const s = w && w.context && w.context.isReady && w.sessionContext;"
                           " return s && s.session && s.session.kernel"
                           " && s.session.kernel.connectionStatus === 'connected'; }",
                           timeout=PAGE_LOAD_S * 1000, polling=500)
    page.evaluate("() => { window.__runAll = null; window.jupyterapp.commands.execute('notebook:run-all-cells')"
                  ".then(ok => { window.__runAll = {ok}; }, e => { window.__runAll = {error: String(e)}; }); }")
    page.wait_for_function("() => window.__runAll !== null", timeout=RUN_ALL_S * 1000, polling=1000)
    result = page.evaluate("() => window.__runAll")
    errors = page.evaluate(
        "() => [...window.jupyterapp.shell.currentWidget.content.model.cells]"
        ".filter(c => c.type === 'code').flatMap(c => c.outputs.toJSON())"
        ".filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue)")
    if "error" in result:
        errors.append(f"run-all-cells failed: {result['error']}")
    unrun = page.evaluate("() => [...window.jupyterapp.shell.currentWidget.content.model.cells]"
                          ".filter(c => c.type === 'code' && c.executionCount === null).length")
    if unrun and not errors:
        errors.append(f"{unrun} code cells were not run")
    return errors


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_mask_editor_toggle_changes_the_mask_string_in_jupyterlab(browser_page, jupyter_lab):
    page, lab = browser_page, jupyter_lab
    try:
        page.goto(f"{lab['base']}/lab/tree/{lab['notebook']}?token={TOKEN}", timeout=PAGE_LOAD_S * 1000)
        errors = _run_all_cells(page)
        assert not errors, f"notebook cells failed in JupyterLab: {errors}"

        editor = page.locator(".seine-mask-editor")
        editor.first.wait_for(state="visible", timeout=CLICK_S * 1000)
        assert editor.count() == 1, f"expected one MaskEditor in the page, found {editor.count()}"
        toggles = editor.locator("button.seine-frame-toggle")
        assert toggles.count() == 16
        label = editor.locator(".seine-mask-string")
        # the cells after the editor's set "first2", then gave frame 15 too
        layout = "xx.............x"
        page.wait_for_function(LABEL_IS, arg=layout, timeout=CLICK_S * 1000)
        pressed = [i for i in range(16) if "mod-active" in toggles.nth(i).get_attribute("class")]
        assert pressed == [0, 1, 15], f"pressed toggles {pressed} do not match {layout!r}"

        for frame in (5, 0):            # give a generated frame, then free a given one
            button = toggles.nth(frame)
            assert button.inner_text().strip() == str(frame)
            layout = _flip(layout, frame)
            button.click()
            page.wait_for_function(LABEL_IS, arg=layout, timeout=CLICK_S * 1000)
            assert label.inner_text() == layout
        assert layout == ".x...x.........x"
        assert "mod-active" in toggles.nth(5).get_attribute("class")
        assert "mod-active" not in toggles.nth(0).get_attribute("class")
    except Exception:
        shot = lab["tmp"] / "failure.png"
        try:                                           # the notebook scrolls inside the page: show the editor
            if page.locator(".seine-mask-editor").count():
                page.locator(".seine-mask-editor").first.scroll_into_view_if_needed(timeout=5000)
            page.screenshot(path=str(shot))
        except Exception:                              # noqa: BLE001 (the browser may be gone)
            pass
        print(f"browser test failed: screenshot {shot}, server log {lab['log']}:")
        print(lab["log"].read_text(errors="replace")[-3000:])
        raise
