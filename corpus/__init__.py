"""The tmbuild application: documents, pairing, the store, exports, the CLI."""
