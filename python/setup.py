"""Copies the library's public headers into the package (gainkit/_include):
the cffi declarations are read from them at import time, so an installed
package keeps working when the source checkout is gone."""
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPy(build_py):
    def run(self):
        super().run()
        src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "include", "gainkit")
        if os.path.isdir(src):
            dst = os.path.join(self.build_lib, "gainkit", "_include", "gainkit")
            os.makedirs(dst, exist_ok=True)
            for f in os.listdir(src):
                if f.endswith(".h"):
                    shutil.copy(os.path.join(src, f), dst)


setup(cmdclass={"build_py": BuildPy})
