//! Committee pages and the public compound/tender pages.
