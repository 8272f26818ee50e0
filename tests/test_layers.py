"""Services never import telegram; handlers hold no business rules (checked by imports)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_services_do_not_import_telegram():
    offenders = []
    for path in (ROOT / "groupbot").rglob("*.py"):
        if "sandbox" in path.parts or path.name in {"app.py", "cli.py"} or "demo" in path.parts:
            continue  # the wiring, the fake Telegram and the demo driver are Telegram-facing
        bad = {n for n in _imports(path) if n == "telegram" or n.startswith("telegram.")}
        if bad:
            offenders.append(f"{path.relative_to(ROOT)}: {sorted(bad)}")
    assert offenders == []


def test_no_float_money_columns():
    for path in (ROOT / "groupbot" / "models").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "Float" not in text and "REAL" not in text, path
