#!/usr/bin/python3
"""The village desk in a real browser (headless Chromium driven by Selenium),
for tests/e2e_desk.sh.

  desk_browser.py enter URL OUT TODAY CSV_BAD CSV_GOOD   fills every form with
      bad values (each error must show next to its field) and good ones (each
      saved record shows its event id), checks escaping, the register and the
      notices offered, makes a nil report by one click, imports a GBK CSV and an
      .xlsx with a bad row (the row's error shown, nothing stored) and good ones;
      prints "ids FILE" lines and "stored N" (records stored in all).
  desk_browser.py delivered URL OUT IDS                 every id on 已上报 as
      已送达 with its time.
  desk_browser.py correct URL OUT IDS                   更正 the publicity record
      (the form pre-filled with its values, the reason required) and 撤回 the
      staffing record (the reason required); 已上报 shows both as done and
      offers neither again; prints "corrected OLD NEW" and "retracted OLD ID".

Screenshots of each page at 1366x768 and at a phone's 390x844: OUT/desk-*.png.
Exits non-zero at the first failed check, saying which."""
import datetime
import os
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait


def fail(msg):
    print("FAIL - " + msg)
    sys.exit(1)


def ok(msg):
    print("ok   - " + msg)


def browser():
    o = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--no-first-run", "--disable-background-networking", "--disable-sync",
              "--hide-scrollbars", "--lang=zh-CN"):
        o.add_argument(a)
    o.add_argument("--window-size=1366,768")
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    d.set_page_load_timeout(20)
    return d


class Desk:
    def __init__(self, url, out):
        self.url, self.out, self.d = url.rstrip("/"), out, browser()

    def go(self, path):
        self.d.get(self.url + path)

    def shot(self, name):
        self.d.set_window_size(1366, 768)
        self.d.save_screenshot(os.path.join(self.out, "desk-%s.png" % name))
        self.d.set_window_size(390, 844)
        self.d.save_screenshot(os.path.join(self.out, "desk-%s-phone.png" % name))
        self.d.set_window_size(1366, 768)

    def el(self, i):
        return self.d.find_element(By.ID, i)

    def set(self, name, value):
        e = self.el(name)
        if e.tag_name == "select":
            s = Select(e)
            if value in [o.get_attribute("value") for o in s.options]:
                s.select_by_value(value)
            else:
                s.select_by_visible_text(value)
        elif e.get_attribute("type") in ("date", "month"):
            self.d.execute_script("arguments[0].value = arguments[1]", e, value)
        else:
            e.clear()
            e.send_keys(value)

    def submit(self, button="save"):
        old = self.el("title")
        self.el(button).click()
        WebDriverWait(self.d, 15).until(lambda d: _stale(old))

    def submit_link(self, i):
        """follows the link of that id (a new page)"""
        old = self.el("title")
        self.el(i).click()
        WebDriverWait(self.d, 15).until(lambda d: _stale(old))

    def errors(self):
        """field -> message, each checked to sit inside its own field's box."""
        out = {}
        for e in self.d.find_elements(By.CSS_SELECTOR, "p.err[id^=err-]"):
            f = e.get_attribute("id")[4:]
            if f == "form":
                out[f] = e.text
                continue
            box = e.find_element(By.XPATH, "..").get_attribute("id")
            if box != "f-" + f:
                fail("the error of %s is not next to its field (in %s)" % (f, box))
            out[f] = e.text
        return out

    def saved_id(self):
        e = self.d.find_elements(By.ID, "saved-id")
        return e[0].text if e else None


def _stale(e):
    try:
        e.is_enabled()
        return False
    except Exception:
        return True


def form(desk, slug, bad, want_errors, good, name):
    """bad values, then the errors expected (field -> a word of the message),
    then good values; returns the saved record's id."""
    desk.go("/form/" + slug)
    for k, v in bad:
        desk.set(k, v)
    desk.submit()
    errs = desk.errors()
    if desk.saved_id():
        fail("%s: a form with bad values was saved" % slug)
    for f, word in want_errors.items():
        if f not in errs:
            fail("%s: no error next to %s (errors: %r)" % (slug, f, errs))
        if word not in errs[f]:
            fail("%s: the error of %s is %r, expected it to say %r" % (slug, f, errs[f], word))
    extra = set(errs) - set(want_errors)
    if extra:
        fail("%s: unexpected errors %r" % (slug, {k: errs[k] for k in extra}))
    ok("%s: each bad field has its Chinese error next to it (%s)" % (slug, ", ".join(sorted(errs))))
    desk.shot(name + "-errors")
    for k, v in good:
        desk.set(k, v)
    desk.submit()
    errs = desk.errors()
    i = desk.saved_id()
    if errs or not i:
        fail("%s: good values not saved (errors %r)" % (slug, errs))
    ok("%s: saved, event id %s shown" % (slug, i))
    desk.shot(name + "-saved")
    return i


def enter(url, out, today, csv_bad, csv_good):
    desk = Desk(url, out)
    t = datetime.date.fromisoformat(today)
    future = (t + datetime.timedelta(days=60)).isoformat()
    before = (t - datetime.timedelta(days=10)).isoformat()
    later = (t + datetime.timedelta(days=10)).isoformat()
    prev_month = (t.replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")
    next_month = (t.replace(day=28) + datetime.timedelta(days=5)).strftime("%Y-%m")
    ids = []
    evil = '张三食杂店<script>alert(1)</script>"&\''

    desk.go("/")
    if desk.el("title").text != "本半年概况":
        fail("the home page is not 本半年概况")
    desk.shot("overview-empty")
    # the date defaults to today
    desk.go("/form/registration")
    if desk.el("occurred_on").get_attribute("value") != today:
        fail("the date does not default to today")
    ok("the date defaults to today (%s)" % today)
    opts = [o.text for o in Select(desk.el("category")).options]
    if "食杂店" not in opts or "小作坊" not in opts:
        fail("the category drop-down lacks the Chinese labels: %r" % opts)
    ok("drop-downs carry the template's Chinese labels (%d categories)" % (len(opts) - 1))

    ids.append(form(desk, "registration",
                    [("occurred_on", future), ("operator_name", evil)],
                    {"occurred_on": "明天", "operator_id": "请填写", "category": "请选择",
                     "action": "请选择"},
                    [("occurred_on", today), ("operator_id", "op-1"), ("category", "食杂店"),
                     ("action", "开业")], "registration"))
    ids.append(form(desk, "registration", [("operator_id", "op-2")],
                    {"category": "请选择", "action": "请选择"},
                    [("operator_name", "李四小吃店"), ("category", "小餐饮店"), ("action", "开业")],
                    "registration2"))

    # inspection: the operator picked from the register, the category follows
    desk.go("/form/inspection")
    pick = Select(desk.el("operator_id"))
    texts = [o.text for o in pick.options]
    if not any(evil in x for x in texts) or not any("李四小吃店" in x for x in texts):
        fail("the register does not offer both businesses: %r" % texts)
    if "<script>alert(1)</script>" in desk.d.page_source:
        fail("a business name reached the page unescaped")
    ok("the register offers the village's businesses, names escaped")
    pick.select_by_value("op-2")
    if Select(desk.el("category")).first_selected_option.text != "小餐饮店":
        fail("the category does not follow the operator picked")
    ok("the category follows the operator picked (小餐饮店)")
    ids.append(form(desk, "inspection",
                    [("three_no_items", "2000000"), ("rectify_by", before),
                     ("outcome", "责令整改")],
                    {"operator_id": "请填写", "category": "请选择", "kind": "请选择", "three_no_items": "太大",
                     "rectify_by": "不能早于"},
                    [("operator_id", "op-1"), ("kind", "定期"), ("three_no_items", "2"),
                     ("rectify_by", later)], "inspection"))

    # rectification: the open notice of that operator is offered
    desk.go("/form/rectification")
    notices = [(o.get_attribute("value"), o.text) for o in Select(desk.el("notice_event_id")).options]
    if (ids[2], ) not in [(v, ) for v, _ in notices]:
        fail("the open notice %s is not offered: %r" % (ids[2], notices))
    ok("the open rectification notice of the inspection is offered")
    ids.append(form(desk, "rectification", [("notice_event_id", notices[1][1]), ("operator_id", "op-2")],
                    {"notice_event_id": "不是所选经营者", "status": "请选择"},
                    [("operator_id", ""), ("status", "已完成")], "rectification"))
    desk.go("/form/rectification")
    if len(Select(desk.el("notice_event_id")).options) != 1:
        fail("a notice rectified (已完成) is still offered")
    ok("a notice rectified is no longer offered")

    ids.append(form(desk, "publicity", [("participants", "-5")],
                    {"kind": "请选择", "participants": "整数"},
                    [("kind", "专题讲座"), ("participants", "45"), ("copies", "0")], "publicity"))
    ids.append(form(desk, "staffing", [("person_name", "长" * 100), ("action", "配备")],
                    {"person_name": "太长", "role": "请选择"},
                    [("person_name", "王<b>五</b>"), ("role", "信息员")], "staffing"))
    ids.append(form(desk, "nil_report", [("month", next_month)],
                    {"month": "不能晚于本月"}, [("month", prev_month)], "nil"))

    # 已上报: every record, 待发送
    desk.go("/sent")
    for i in ids:
        row = desk.el("r-" + i)
        if row.get_attribute("data-state") != "pending" or "待发送" not in row.text:
            fail("record %s is not listed as 待发送: %r" % (i, row.text))
    if "<b>五</b>" in desk.d.page_source or "王<b>五</b>" not in desk.el("r-" + ids[5]).text:
        fail("a person's name is not escaped on 已上报")
    ok("已上报 lists all %d records as 待发送, names escaped" % len(ids))
    desk.shot("sent-pending")

    # 本半年概况: one click for the first month of the half-year without records
    desk.go("/")
    buttons = desk.d.find_elements(By.CSS_SELECTOR, "button[id^=nil-]")
    if not buttons:
        fail("no one-click nil report offered")
    month = buttons[0].get_attribute("id")[4:]
    desk.submit(buttons[0].get_attribute("id"))
    i = desk.saved_id()
    if not i:
        fail("the one-click nil report was not saved: %r" % desk.errors())
    ids.append(i)
    desk.go("/")
    row = desk.el("month-" + month)
    if "已报" not in row.text or row.find_elements(By.TAG_NAME, "button"):
        fail("month %s does not show its nil report: %r" % (month, row.text))
    ok("one click made the nil report of %s; the month shows 已报" % month)
    cur = desk.el("month-" + today[:7]).text
    ok("this month's row counts the records: %s" % cur)
    desk.shot("overview")

    stored = len(ids)
    # import: a GBK CSV and an .xlsx, each with a bad row first, then good
    import openpyxl
    def xlsx(path, rows):
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "宣传"
        ws.append(["日期", "宣传类型", "参加人数", "资料份数"])
        for r in rows:
            ws.append(r)
        wb.save(path)
    d1 = t - datetime.timedelta(days=3)
    xbad, xgood = os.path.join(out, "desk-bad.xlsx"), os.path.join(out, "desk-good.xlsx")
    xlsx(xbad, [[d1, "专题讲座", 40, 0], [d1, "横幅", "很多", 0]])
    xlsx(xgood, [[d1, "专题讲座", 40, 0], [d1.isoformat(), "横幅", 12, 0]])
    for path, line, col, what in ((csv_bad, "3", "宣传类型", "CSV"), (xbad, "3", "参加人数", "xlsx")):
        desk.go("/import")
        desk.el("file").send_keys(path)
        desk.submit("upload")
        if not desk.d.find_elements(By.ID, "import-refused"):
            fail("import of the bad %s was not refused" % what)
        rows = desk.d.find_elements(By.CSS_SELECTOR, "#import-errors tr.bad")
        cells = [[c.text for c in r.find_elements(By.TAG_NAME, "td")] for r in rows]
        if not any(c[0] == line and c[2].startswith(col) for c in cells):
            fail("the bad %s row's error (line %s, column %s) is not shown: %r" % (what, line, col, cells))
        ok("bad %s refused whole, its row's error shown: %r" % (what, cells))
        desk.shot("import-bad-" + what.lower())
    for path, n, what in ((csv_good, 2, "CSV"), (xgood, 2, "xlsx")):
        desk.go("/import")
        desk.el("file").send_keys(path)
        desk.submit("upload")
        got = desk.d.find_elements(By.ID, "n-stored")
        if not got or got[0].text != str(n):
            fail("good %s: expected %d records stored, page says %r" % (what, n, desk.el("title").text))
        stored += n
        ok("good %s: %d records stored" % (what, n))
        desk.shot("import-good-" + what.lower())
    desk.go("/import")
    desk.el("file").send_keys(csv_good)
    desk.submit("upload")
    if desk.el("n-stored").text != "0" or desk.el("n-dup").text != "2":
        fail("the same CSV again stored something")
    ok("the same CSV uploaded again stores nothing twice")
    with open(os.path.join(out, "desk-ids.txt"), "w") as f:
        f.write("\n".join(ids) + "\n")
    print("stored %d" % stored)
    desk.d.quit()


def delivered(url, out, idfile):
    desk = Desk(url, out)
    ids = open(idfile).read().split()
    desk.go("/sent")
    for i in ids:
        row = desk.el("r-" + i)
        state = row.find_element(By.CSS_SELECTOR, "td.state").text
        if row.get_attribute("data-state") != "delivered" or not state.startswith("已送达 20"):
            fail("record %s is not shown as 已送达 with a time: %r" % (i, state))
    if desk.el("n-pending").text != "0":
        fail("records still 待发送 after delivery")
    ok("已上报 shows all %d form records as 已送达 with the time" % len(ids))
    desk.shot("sent-delivered")
    desk.d.quit()


def correct(url, out, idfile):
    desk = Desk(url, out)
    ids = open(idfile).read().split()
    pub, staff = ids[4], ids[5]
    # 更正: the publicity record's own form, filled with its values
    desk.go("/sent")
    desk.submit_link("fix-" + pub)
    if desk.el("title").text != "更正宣传记录":
        fail("更正 did not open the publicity form: %r" % desk.el("title").text)
    got = {k: desk.el(k).get_attribute("value") for k in ("participants", "copies", "occurred_on")}
    kind = Select(desk.el("kind")).first_selected_option.text
    if got["participants"] != "45" or got["copies"] != "0" or kind != "专题讲座":
        fail("the correction form is not filled with the record's values: %r %s" % (got, kind))
    ok("更正 opens the form filled with the record's values (%s, %s)" % (kind, got))
    desk.shot("correct-form")
    desk.set("kind", "宣传资料")  # it was leaflets handed out, 300 of them
    desk.set("copies", "300")
    desk.submit()
    errs = desk.errors()
    if desk.saved_id() or "更正原因" not in errs.get("reason", ""):
        fail("a correction without a reason: expected its error next to the field, got %r" % errs)
    if set(errs) != {"reason"}:
        fail("a correction without a reason: other errors %r" % errs)
    if desk.el("copies").get_attribute("value") != "300":
        fail("the corrected value was lost on the error page")
    ok("a correction without a reason is refused, the error next to it: %s" % errs["reason"])
    desk.shot("correct-no-reason")
    desk.set("reason", "份数漏填")
    desk.submit()
    new = desk.saved_id()
    if not new or desk.errors():
        fail("the correction was not saved: %r" % desk.errors())
    ok("the correction is saved as record %s" % new)
    # 撤回: the staffing record
    desk.go("/sent")
    desk.submit_link("undo-" + staff)
    if desk.el("title").text != "撤回记录" or "王<b>五</b>" not in desk.el("fixing").text:
        fail("撤回 did not open the staffing record's retraction: %r" % desk.el("title").text)
    desk.submit()
    errs = desk.errors()
    if desk.saved_id() or "撤回原因" not in errs.get("reason", ""):
        fail("a retraction without a reason: expected its error next to the field, got %r" % errs)
    ok("a retraction without a reason is refused, the error next to it: %s" % errs["reason"])
    desk.set("reason", "重复录入")
    desk.submit()
    rid = desk.saved_id()
    if not rid:
        fail("the retraction was not saved: %r" % desk.errors())
    ok("the retraction is saved as record %s" % rid)
    # 已上报: both shown as done, neither offered again
    desk.go("/sent")
    for i, word in ((pub, "已更正"), (staff, "已撤回")):
        row = desk.el("r-" + i)
        if word not in row.find_element(By.CSS_SELECTOR, "td.fix").text or \
                "superseded" not in (row.get_attribute("class") or ""):
            fail("record %s is not shown as %s: %r" % (i, word, row.text))
        if desk.d.find_elements(By.ID, "fix-" + i) or desk.d.find_elements(By.ID, "undo-" + i):
            fail("record %s, %s, is still offered 更正/撤回" % (i, word))
    if "份数漏填" not in desk.el("r-" + new).text or "撤回" not in desk.el("r-" + rid).text:
        fail("the replacement or the retraction is not listed with its reason")
    ok("已上报 shows 已更正 and 已撤回, the new records listed, neither offered again")
    desk.shot("sent-corrected")
    desk.go("/correct?id=" + pub)
    if "已被更正或撤回" not in desk.el("refused").text:
        fail("a corrected record could be corrected again")
    ok("a corrected record cannot be corrected again")
    print("corrected %s %s" % (pub, new))
    print("retracted %s %s" % (staff, rid))
    desk.d.quit()


if __name__ == "__main__":
    try:
        if sys.argv[1] == "enter":
            enter(*sys.argv[2:7])
        elif sys.argv[1] == "correct":
            correct(*sys.argv[2:5])
        else:
            delivered(*sys.argv[2:5])
    except SystemExit:
        raise
    except Exception as e:  # a selenium error is a failed check, said as one line
        fail("%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else ""))
