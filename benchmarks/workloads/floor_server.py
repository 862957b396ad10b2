"""A hello-world endpoint on clearml_local's HTTP stack (Starlette, uvicorn, its socket setup).

Usage: python floor_server.py PORT_FILE. Binds a free loopback port, writes it to PORT_FILE and
serves POST /hello until stopped: the floor for the API's per-call latency.
"""
import asyncio
import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from clearml_local.server import bind  # noqa: E402


async def hello(request):
    await request.body()
    return JSONResponse({"meta": {"result_code": 200}, "data": {"hello": "world"}})


async def main(port_file):
    sock = bind("127.0.0.1", 0)
    Path(port_file).write_text(str(sock.getsockname()[1]))
    app = Starlette(routes=[Route("/hello", hello, methods=["POST"])])
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            timeout_keep_alive=30)
    await uvicorn.Server(config).serve(sockets=[sock])


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
