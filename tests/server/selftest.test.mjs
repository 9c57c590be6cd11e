// The Node test runner only picks up *.test.mjs files from a directory; this runs selftest.mjs.
import "./selftest.mjs";
