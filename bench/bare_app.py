"""The yardstick: a bare Litestar app whose one route answers "ok", served exactly like the portal."""

from litestar import Litestar, get


@get("/", sync_to_thread=False)
def ok() -> str:
    return "ok"


app = Litestar([ok])
