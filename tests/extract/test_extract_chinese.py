"""Script detection and traditional → simplified conversion."""

from __future__ import annotations

from crawler.chinese import detect_script, to_simplified


def test_traditional_text_is_detected_and_converted() -> None:
    text = "示範省生態環境廳召開廳黨組會議，傳達學習有關會議精神。"
    assert detect_script(text) == "traditional"
    assert to_simplified(text) == "示范省生态环境厅召开厅党组会议，传达学习有关会议精神。"


def test_simplified_text_stays() -> None:
    text = "示范省生态环境厅召开厅党组会议，传达学习有关会议精神。"
    assert detect_script(text) == "simplified"
    assert to_simplified(text) == text


def test_empty_and_non_chinese() -> None:
    assert detect_script("") == "simplified"
    assert detect_script("Ministry of Ecology and Environment 2024") == "simplified"
    assert to_simplified("") == ""


def test_simplified_text_with_phrase_only_characters_is_left_alone() -> None:
    text = "回覆群众来信，什么时候都要认真对待。"  # 覆 and 么 change only inside traditional phrases
    assert to_simplified(text) == text
