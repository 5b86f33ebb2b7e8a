"""``tmbuild serve``: search the memory and review alignments in the browser.

``app`` holds the routes (a JSON API and three pages) over the same :class:`corpus.store.Store` methods the
CLI uses; ``static/`` the pages, their script and style, shipped in the package (no CDN, no build step).
"""

from .app import create_app, serve

__all__ = ["create_app", "serve"]
