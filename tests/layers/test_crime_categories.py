"""The crime layer's table of category names: every word goes to one existing class."""
from collections import Counter

from layers.crime import CATEGORY_CLASSES, CATEGORY_WORDS, DEFINITION, category_word


def test_every_class_in_the_table_is_a_class_of_the_layer():
    assert set(CATEGORY_WORDS) <= {c.key for c in DEFINITION.classes}


def test_no_name_goes_to_two_classes():
    words = Counter(category_word(w) for words in CATEGORY_WORDS.values() for w in words)
    assert [w for w, n in words.items() if n > 1] == []
    assert len(CATEGORY_CLASSES) == sum(words.values())


def test_names_are_compared_normalised():
    assert category_word("  Bicycle_THEFT ") == category_word("bicycle-theft") == "bicycle theft"
    assert CATEGORY_CLASSES[category_word("Break-in")] == "theft"
