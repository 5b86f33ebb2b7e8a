"""``tmbuild serve``: the web app over a store (search, documents, review, terms)."""

from __future__ import annotations

import argparse

from .options import add_common, number, store_arg, writer_args


def add(sub) -> None:
    p = sub.add_parser("serve", help="search the memory and review alignments in the browser",
                       description="A local web app over a store: a search page that answers as you type, the "
                                   "document pairs with their review progress, and a review page per document "
                                   "pair whose edits are saved in the store at once. It takes the store's writer "
                                   "lock only while it saves an edit: builds and imports run beside it, and it "
                                   "serves their pairs as they are stored.")
    store_arg(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine only)")
    p.add_argument("--port", type=number(int, 0, 65535), default=8731,
                   help="port (default 8731; 0 picks a free one)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--token", help="the token every request must carry (default: a new random one, printed in "
                                   "the URL)")
    g.add_argument("--no-token", action="store_true",
                   help="require no token (anyone who can reach the port can read and edit the store)")
    writer_args(p)
    add_common(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..web import serve

    return serve(args.store, args.host, args.port, token=None if args.no_token else (args.token or ""))
