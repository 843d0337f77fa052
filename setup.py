"""cffi cannot be declared in pyproject.toml alone; this only names the cffi module."""

from setuptools import setup

setup(cffi_modules=["_native/build.py:ffibuilder"])
