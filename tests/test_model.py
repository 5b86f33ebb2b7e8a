from align.model import Alignment, Bead, Segment, join_segments


def test_bead_prints_in_gold_file_form():
    assert str(Bead((0, 1), (2,), 0.5)) == "[0, 1]:[2]"
    assert str(Bead((3,), ())) == "[3]:[]"
    assert str(Bead((), (7,))) == "[]:[7]"
    assert Bead((0, 1), (2,)).kind == "2-1"


def test_pairs_join_each_side_in_its_own_way():
    a = Alignment((Segment("大会，"), Segment("决定。")), (Segment("The Assembly"), Segment("decides.")),
                  (Bead((0, 1), (0, 1), 0.9),))
    assert a.pairs()[0][:2] == ("大会，决定。", "The Assembly decides.")
    assert join_segments(["a", "b"], "en") == "a b"
