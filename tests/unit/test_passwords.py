"""Passwords are stored as salted scrypt hashes and checked in constant time."""
from engine.passwords import check_password, hash_password


def test_password_round_trip_and_salt():
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first != second and "correct horse" not in first
    assert check_password(first, "correct horse") and check_password(second, "correct horse")
    assert not check_password(first, "wrong horse")
    assert not check_password("garbage", "correct horse")
