"""`groupbot demo` plays the whole scenario and prints a readable transcript."""

import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "groupbot.cli", *args], capture_output=True, text=True, timeout=240
    )


def test_demo_in_chinese():
    done = run("demo")
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "[私聊·小明] 小明: /start" in out and "你好，小明！" in out
    assert "亲，看到你买了赣南脐橙" in out  # the order-time warning with the mention
    assert "请核对你的订单" in out and "已发货：顺丰" in out and "前（48小时内）" in out
    assert "我能看到商品，但看不到快递单号" in out  # instant feedback on the photo without label
    assert "能看到商品和快递单号，单号与订单一致" in out
    assert "实付 ¥50.00 共 10个，坏 2个 → 退 ¥10.00" in out
    assert "已提交售后申请 #1" in out
    assert "⚠️ 批次警报 #1：赣南脐橙" in out and "已暂停「赣南脐橙」的新团购" in out  # issue 16
    assert "（报告图表已保存：" in out and "📊 售后报告" in out
    # The organizer's broadcast: preview, the group's copy, progress and report.
    assert "👆 这是预览" in out and "[芒果团 3号楼] 🤖 机器人: 🧺 取货提醒" in out
    assert "✅ 群发 #1 已发完：已发送 1 · 失败 0" in out and "📊 群发 #1 报告" in out
    # the service desk act (groupbot/demo/desk.py)
    assert "客服将于 今天 09:00 上线" in out and "客服小李为您服务" in out
    assert "由于您超过 4 分钟没有回复" in out and "客服小王为您服务" in out
    assert "感谢您的评价（5 分）" in out
    # the aftercare act (groupbot/demo/aftercare.py)
    assert "[私聊·小红] 🤖 机器人: 您好！赣南脐橙收到还满意吗？" in out
    assert "收到您的 2 分，很抱歉没让您满意。已为您登记投诉 #1" in out
    assert "💬 投诉 #1：会员补充：有两个坏的，不想申请了" in out
    assert "送您一张 ¥5.00 优惠券" in out and "太好了，投诉 #1 已结束" in out
    # the resolutions act (groupbot/demo/resolutions.py): 少发 → reship → its shipping notice
    assert "请拍包裹里的装箱单（发货清单）或快递面单" in out
    assert "📦 已补发（订单 #3）" in out and "补发订单 #3 不收费" in out
    assert "📦 你的补发（售后 #2，原订单 #2）已发出：补发订单 #3，顺丰" in out
    assert "发出已超过 72 小时还没送达，我们正在和快递核实" in out


def test_demo_in_english():
    done = run("demo", "--locale", "en")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Hello, Ming!" in done.stdout
    assert "paid ¥50.00 for 10 pc, 2 damaged → ¥10.00" in done.stdout
    assert "✅ Broadcast #1 finished: sent 1 · failed 0" in done.stdout
    assert "Broadcast #1 report" in done.stdout
    assert "Your reship (claim #2, original order #2) is on its way" in done.stdout


def test_run_without_a_token_is_one_clear_line(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "groupbot.cli", "run"], capture_output=True, text=True,
        cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "groupbot: GROUPBOT_BOT_TOKEN is not set: put the token from @BotFather in it "
        "(or try `groupbot demo`, which needs none)"
    ]
