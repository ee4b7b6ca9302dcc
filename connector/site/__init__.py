"""The PASINDO landing page and product feeds: a static site of every product live on at least one channel,
built from the catalogs and the ledger through the same interfaces as the reports; it never calls a marketplace."""
