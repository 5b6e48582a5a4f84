"""Passwords are stored as salted scrypt hashes and checked in constant time, with bounded concurrency."""
import pytest

from engine import passwords
from engine.errors import ServiceBusy
from engine.passwords import check_password, hash_password


def test_password_round_trip_and_salt():
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first != second and "correct horse" not in first
    assert check_password(first, "correct horse") and check_password(second, "correct horse")
    assert not check_password(first, "wrong horse")
    assert not check_password("garbage", "correct horse")


def test_sign_ins_beyond_the_hashing_bound_are_turned_away_not_queued():
    """While every hashing slot and waiting place is taken, the next check is refused at once (503 upstream),
    so a flood of sign-ins cannot hold every request thread of the server; a free place lets it through."""
    stored = hash_password("correct horse")
    taken = 0
    try:
        while passwords._admitted.acquire(blocking=False):  # take every place, as concurrent sign-ins would
            taken += 1
        assert taken == 2 * passwords.HASHING_SLOTS
        with pytest.raises(ServiceBusy):
            check_password(stored, "correct horse")
    finally:
        for _ in range(taken):
            passwords._admitted.release()
    assert check_password(stored, "correct horse")
