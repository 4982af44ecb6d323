"""The answer cache (api/cache.py): a final answer is kept whatever the safe time, one for today
by the date, one for S only while S stands; bodies are bounded in bytes, least recently used
first out; the ETag names the full key."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from api.http.cache import ENTRY_BYTES, AnswerCache, Depends, RequestKey

FINAL = Depends(on_today=False, on_now=False)
TODAY = Depends(on_today=True, on_now=False)
NOW = Depends(on_today=False, on_now=True)
S1 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
S2 = S1 + timedelta(milliseconds=250)
D1 = date(2026, 1, 1)
D2 = date(2026, 1, 2)

EIGHT = 8 * (100 + ENTRY_BYTES)
"""A bound that holds eight answers of 100 bytes."""


def request(n: int = 0, role: str | None = None, variables: str = "{}") -> RequestKey:
    return ("query($n: Int) { orgUnits { name } }", None, variables + f"#{n}", role)


def body(n: int, size: int = 100) -> bytes:
    """A body of exactly size bytes, told apart by n."""
    head = f'{{"n":{n}}}'.encode()
    return head + b" " * (size - len(head))


def test_a_request_never_answered_is_a_miss_without_an_etag() -> None:
    found = AnswerCache(10_000).lookup(request(), S1, D1)
    assert found.body is None
    assert found.key is None
    assert found.depends is None
    assert found.etag is None


def test_a_final_answer_is_found_whatever_the_safe_time_and_the_date() -> None:
    cache = AnswerCache(10_000)
    stored = cache.store(request(), FINAL, S1, D1, body(1))
    for safe, today in ((S1, D1), (S2, D1), (S2, D2), (None, D2)):
        found = cache.lookup(request(), safe, today)
        assert found.body == body(1)
        assert found.depends == FINAL
        assert found.etag == stored.etag


def test_an_answer_for_today_is_keyed_by_the_date() -> None:
    cache = AnswerCache(10_000)
    stored = cache.store(request(), TODAY, S1, D1, body(1))
    assert cache.lookup(request(), S2, D1).body == body(1)
    tomorrow = cache.lookup(request(), S2, D2)
    assert tomorrow.body is None
    assert tomorrow.key is not None and tomorrow.etag != stored.etag
    cache.store(request(), TODAY, S2, D2, body(2))
    assert cache.lookup(request(), S1, D2).body == body(2)
    assert cache.lookup(request(), S1, D1).body == body(1)


def test_an_answer_for_now_is_found_only_at_the_same_safe_time() -> None:
    cache = AnswerCache(10_000)
    stored = cache.store(request(), NOW, S1, D1, body(1))
    found = cache.lookup(request(), S1, D2)
    assert found.body == body(1)
    assert found.etag == stored.etag
    later = cache.lookup(request(), S2, D1)
    assert later.body is None
    assert later.etag is not None and later.etag != stored.etag
    assert cache.lookup(request(), None, D1).body is None


def test_answers_for_now_are_dropped_when_the_safe_time_moves() -> None:
    """Once an answer for a later S is kept, those for the earlier S are gone, even when asked
    with that earlier S (a reader whose context settled before S moved)."""
    cache = AnswerCache(10_000)
    cache.store(request(1), NOW, S1, D1, body(1))
    cache.store(request(2), NOW, S1, D1, body(2))
    cache.store(request(1), NOW, S2, D1, body(3))
    assert cache.lookup(request(1), S2, D1).body == body(3)
    assert cache.lookup(request(1), S1, D1).body is None
    assert cache.lookup(request(2), S1, D1).body is None


def test_the_byte_bound_evicts_the_least_recently_used_final_answer() -> None:
    cache = AnswerCache(max_bytes=EIGHT)  # eight bodies of 100 bytes (an eighth each at most)
    for n in range(8):
        cache.store(request(n), FINAL, S1, D1, body(n))
    assert all(cache.lookup(request(n), S1, D1).body == body(n) for n in range(8))
    assert cache.lookup(request(0), S1, D1).body == body(0)  # 0 is now the most recent
    cache.store(request(8), FINAL, S1, D1, body(8))
    kept = {n for n in range(9) if cache.lookup(request(n), S1, D1).body is not None}
    assert kept == {0, *range(2, 9)}


def test_an_answer_stored_again_is_counted_once() -> None:
    cache = AnswerCache(max_bytes=EIGHT)
    cache.store(request(0), FINAL, S1, D1, body(0))
    cache.store(request(0), FINAL, S1, D1, body(0))
    for n in range(1, 8):
        cache.store(request(n), FINAL, S1, D1, body(n))
    assert all(cache.lookup(request(n), S1, D1).body == body(n) for n in range(8))


def test_an_answer_larger_than_an_eighth_of_the_bound_is_not_kept() -> None:
    cache = AnswerCache(max_bytes=EIGHT)
    cache.store(request(0), FINAL, S1, D1, body(0, size=100))
    cache.store(request(1), FINAL, S1, D1, body(1, size=101))
    assert cache.lookup(request(0), S1, D1).body == body(0, size=100)
    big = cache.lookup(request(1), S1, D1)
    assert big.body is None
    assert big.etag is not None  # the request's shape is known; only the body is not kept


def test_answers_for_now_never_push_final_answers_out() -> None:
    cache = AnswerCache(max_bytes=EIGHT)
    for n in range(8):
        cache.store(request(n), FINAL, S1, D1, body(n))
    for n in range(8, 40):
        cache.store(request(n), NOW, S1, D1, body(n, size=50))
    assert all(cache.lookup(request(n), S1, D1).body == body(n) for n in range(8))


def test_answers_for_now_are_bounded_to_a_quarter_of_the_bytes() -> None:
    cache = AnswerCache(max_bytes=EIGHT)
    for n in range(10):
        cache.store(request(n), NOW, S1, D1, body(n, size=50))
    kept = [n for n in range(10) if cache.lookup(request(n), S1, D1).body is not None]
    assert kept == list(range((EIGHT // 4) // (50 + ENTRY_BYTES)))


def test_the_etag_is_stable_for_a_key_and_differs_between_keys() -> None:
    cache = AnswerCache(10_000)
    first = cache.store(request(), FINAL, S1, D1, body(1)).etag
    assert first is not None and first.startswith('"') and first.endswith('"')
    assert AnswerCache(10_000).store(request(), FINAL, S2, D2, body(1)).etag == first
    others = {
        cache.store(request(1), FINAL, S1, D1, body(1)).etag,
        cache.store(request(0, role="editor"), FINAL, S1, D1, body(1)).etag,
        cache.store(request(0, variables='{"n":1}'), FINAL, S1, D1, body(1)).etag,
        cache.store(request(2), NOW, S1, D1, body(1)).etag,
        cache.store(request(2), NOW, S2, D1, body(1)).etag,
    }
    assert len(others) == 5
    assert first not in others


def test_a_request_whose_dependencies_change_is_found_under_the_new_ones() -> None:
    """A knownAt in the future answers for S (kept while S stands); asked again once that moment
    has passed, the same request is final."""
    cache = AnswerCache(10_000)
    cache.store(request(), NOW, S1, D1, body(1))
    assert cache.lookup(request(), S2, D1).body is None
    cache.store(request(), FINAL, S2, D1, body(2))
    found = cache.lookup(request(), S1, D2)
    assert found.body == body(2)
    assert found.depends == FINAL


def test_a_request_forgotten_past_max_requests_is_a_miss() -> None:
    cache = AnswerCache(10_000, max_requests=3)
    for n in range(4):
        cache.store(request(n), FINAL, S1, D1, body(n))
    assert cache.lookup(request(0), S1, D1).key is None
    assert [cache.lookup(request(n), S1, D1).body for n in (1, 2, 3)] == [body(1), body(2), body(3)]
