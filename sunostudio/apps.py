from django.apps import AppConfig


class SunoStudioConfig(AppConfig):
    name = "sunostudio"
    verbose_name = "Suno Studio"

    def ready(self):
        from django_q.signals import post_execute_in_worker, pre_enqueue, pre_execute

        from . import logs

        # One log line per job, carrying the id of the request that queued it (sunostudio/logs.py).
        pre_enqueue.connect(logs.on_pre_enqueue, dispatch_uid="sunostudio.logs.pre_enqueue")
        pre_execute.connect(logs.on_pre_execute, dispatch_uid="sunostudio.logs.pre_execute")
        post_execute_in_worker.connect(logs.on_post_execute_in_worker, dispatch_uid="sunostudio.logs.post")
