"""`groupbot demo` continues the claim: the card reaches the reviewers, one approves, the
member is told, the payout is marked paid."""

import subprocess
import sys


def test_demo_review_act():
    done = subprocess.run([sys.executable, "-m", "groupbot.cli", "demo"], capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "[售后审核群] 🤖 机器人: [图片] 售后申请 #1 照片证据" in out
    assert "[售后审核群] 🤖 机器人: 📋 售后申请 #1 · 待审核" in out
    assert "照片检查（仅供参考，不是结论）：单号一致 ✓ · 看到商品 ✓" in out
    assert "✅ 已通过，退款 ¥10.00 · 李审核" in out
    assert "✅ 你的售后申请 #1 已通过，退款 ¥10.00" in out
    assert "💰 售后申请 #1 的退款 ¥10.00 已打款，参考号：WX20261122-0001。" in out
