#!/bin/sh
# Stands in for the C++ header tests (tests/cxx.am) when configure found
# no working C++ compiler.
echo "no working C++ compiler: C++ header tests skipped"
exit 77
