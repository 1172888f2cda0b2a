"""Schedules on Kubeflow: each one is a KFP recurring run, which the cluster starts by itself.

The recurring run carries the compiled flow version inline (``pipeline_spec``, as
``create_run_from_pipeline_package`` does for single runs) rather than as an uploaded pipeline
version: nothing else is left on the cluster to name uniquely or to clean up when the schedule
is deleted, and a failure leaves nothing half made. It lives in the flow's experiment (the one
its single runs go to), allows one run at a time and does not catch up on missed times, like
the designer's own scheduler.

Kubeflow's scheduler reads six-field cron expressions, seconds first, by its own clock: UTC
unless the cluster's administrator set ``CRON_SCHEDULE_TIMEZONE`` on the
``ml-pipeline-scheduledworkflow`` deployment. Problems come back as ``KubeflowError`` with the
same one-line messages as runs (``designer.runs.kubeflow``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import kfp_server_api
import yaml
from google.protobuf import json_format

from designer.flow.compile import CompiledFlow
from designer.flow.cron import kfp_cron
from designer.runs.kfp_transport import quiet_kfp
from designer.runs.kubeflow import KubeflowEngine, KubeflowError
from designer.settings import KubeflowSettings

#: What Kubeflow's scheduler reads schedules by, unless its administrator changed it.
CLUSTER_TIME_ZONE = "UTC"


class KubeflowSchedules:
    """Create, pause, resume and delete recurring runs through ``kfp.Client``."""

    def __init__(self, settings: KubeflowSettings, *, timeout: float = 30) -> None:
        self.engine = KubeflowEngine(settings, timeout=timeout)

    def create(
        self,
        compiled: CompiledFlow,
        *,
        flow_name: str,
        name: str,
        cron: str,
        arguments: Mapping[str, Any] | None = None,
    ) -> str:
        """Make the recurring run ``name`` for the compiled flow; its id."""
        six_fields = kfp_cron(cron)
        client = self.engine.client()
        with tempfile.TemporaryDirectory() as folder:
            package = Path(folder) / f"{compiled.pipeline_name}.yaml"
            compiled.write(package)
            with self.engine._errors(), quiet_kfp():
                try:
                    experiment = client.create_experiment(
                        flow_name, namespace=self.engine.settings.namespace or None
                    )
                    made = client.create_recurring_run(
                        experiment_id=experiment.experiment_id,
                        job_name=name,
                        description=f"Scheduled from the designer: {flow_name}",
                        cron_expression=six_fields,
                        max_concurrency=1,
                        no_catchup=True,
                        params=dict(arguments or {}),
                        pipeline_package_path=str(package),
                        pipeline_root=compiled.pipeline_root or None,
                        enabled=True,
                    )
                except (ValueError, json_format.ParseError, yaml.YAMLError) as exc:
                    raise KubeflowError(
                        f"cannot schedule {flow_name!r} on Kubeflow: {exc}"
                    ) from exc
        return str(made.recurring_run_id)

    def set_enabled(self, recurring_run_id: str, enabled: bool) -> None:
        """Resume (``enabled``) or pause the recurring run."""
        client = self.engine.client()
        with self.engine._errors():
            if enabled:
                client.enable_recurring_run(recurring_run_id)
            else:
                client.disable_recurring_run(recurring_run_id)

    def delete(self, recurring_run_id: str) -> None:
        """Delete the recurring run; one the cluster no longer has counts as deleted."""
        client = self.engine.client()
        with self.engine._errors():
            try:
                client.delete_recurring_run(recurring_run_id)
            except kfp_server_api.ApiException as exc:
                if exc.status != 404:
                    raise

    def status(self, recurring_run_id: str) -> str:
        """ "ENABLED" or "DISABLED", as the cluster sees the recurring run now."""
        client = self.engine.client()
        with self.engine._errors():
            found = client.get_recurring_run(recurring_run_id)
        return str(found.status or "")

    def runs_of(self, recurring_run_id: str, *, newest: int = 50) -> list[str]:
        """The ids of the runs the recurring run started, among its experiment's ``newest``."""
        client = self.engine.client()
        with self.engine._errors():
            recurring = client.get_recurring_run(recurring_run_id)
            listed = client.list_runs(
                experiment_id=recurring.experiment_id,
                page_size=newest,
                sort_by="created_at desc",
            )
        return [
            str(run.run_id)
            for run in listed.runs or []
            if run.recurring_run_id == recurring_run_id and run.run_id
        ]
