import pytest

from align.segment import split_en, split_zh


@pytest.mark.parametrize("text, expected", [
    ("他说：“这是真的。”然后离开了！", ["他说：“这是真的。”", "然后离开了！"]),
    ("这是……结束了吗？是的。", ["这是……", "结束了吗？", "是的。"]),
    ("(a) 确保安全；(b) 采取措施；", ["(a) 确保安全；", "(b) 采取措施；"]),
    ("（一）确保安全；（二）采取措施。", ["（一）确保安全；", "（二）采取措施。"]),
    ("回顾第 75/190 号决议，并注意到 3.5% 的增长。", ["回顾第 75/190 号决议，并注意到 3.5% 的增长。"]),
    ("没有句号的标题", ["没有句号的标题"]),
    ("（见附件。）下一句。", ["（见附件。）", "下一句。"]),
    # an ellipsis before a comma or colon is a pause; punctuation alone opens the next sentence
    ("为了保障……，制定本法。", ["为了保障……，制定本法。"]),
    ("他说：“我不知道……”，然后走了。", ["他说：“我不知道……”，然后走了。"]),
    ("等等......：甲、乙。", ["等等......：甲、乙。"]),
    ("她点头。……后来呢？没人知道！", ["她点头。", "……后来呢？", "没人知道！"]),
    ("好。……", ["好。……"]),
    # a quotation runs on into its speech tag, as in English ("Are you here?" he asked.)
    ("“你来了？”他问道。“是的……”她低声说。", ["“你来了？”他问道。", "“是的……”她低声说。"]),
    ("「你好！」她說，「請坐。」", ["「你好！」她說，「請坐。」"]),
    # a tag that introduces the next quotation, or a clause that is not a tag, starts a sentence
    ("忙道：“别生气！”黛玉冷笑道：“我生什么气？”", ["忙道：“别生气！”", "黛玉冷笑道：“我生什么气？”"]),
    ("“再见。”她走了。", ["“再见。”", "她走了。"]),
])
def test_chinese(text, expected):
    assert split_zh(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Mr. Smith met Ms. Jones. They agreed.", ["Mr. Smith met Ms. Jones.", "They agreed."]),
    ("See A/RES/76/177, para. 5. The rate was 3.5 per cent.",
     ["See A/RES/76/177, para. 5.", "The rate was 3.5 per cent."]),
    ("1. Decides to remain seized of the matter.", ["1. Decides to remain seized of the matter."]),
    ("In resolution No. 53 it said so. Then e.g. Paris agreed.",
     ["In resolution No. 53 it said so.", "Then e.g. Paris agreed."]),
    ("J. Smith spoke. It ended in annex I. Next.", ["J. Smith spoke.", "It ended in annex I.", "Next."]),
    ("(a) To ensure safety; (b) To act.", ["(a) To ensure safety;", "(b) To act."]),
    ("Is it so? Yes! \u201cQuoted.\u201d Done.", ["Is it so?", "Yes!", "\u201cQuoted.\u201d", "Done."]),
    ("It costs $1.5 million, i.e. more.", ["It costs $1.5 million, i.e. more."]),
    # abbreviations that stand before numbers end a sentence before a capitalised word
    ("She said no. It was late. See vol. II and fig. 3. Art. 12 applies.",
     ["She said no.", "It was late.", "See vol. II and fig. 3.", "Art. 12 applies."]),
])
def test_english(text, expected):
    assert split_en(text) == expected
