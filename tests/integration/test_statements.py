"""Every prepared statement's parameters and result columns are the ones its header names."""
import os
import subprocess

from conftest import BUILD, PG


def test_every_statement_has_the_shape_its_header_names(stack):
    """PQdescribePrepared on the migrated database agrees with every S_PARAMS / S_COLUMNS list."""
    out = subprocess.run([os.path.join(BUILD, "tests", "statement_shapes"), PG],
                         capture_output=True, text=True, timeout=120)
    print(out.stdout, out.stderr)
    assert out.returncode == 0, out.stdout + out.stderr
    assert " 0 mismatches" in out.stdout
