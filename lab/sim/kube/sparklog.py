"""Spark-like log lines for simulated drivers and executors (log4j2 layout)."""

import random
import time


def ts(t=None):
    """Spark's default log4j2 pattern date: 25/11/24 10:00:00."""
    return time.strftime('%y/%m/%d %H:%M:%S', time.localtime(time.time() if t is None else t))


def line(level, logger, msg, t=None):
    return '%s %s %s: %s' % (ts(t), level, logger, msg)


def driver_start(app, app_id, ns, execs, spark_version, main_class, t=None):
    """Lines a driver prints from JVM start until it asks for executors."""
    L = lambda logger, msg: line('INFO', logger, msg, t)
    return [
        "Files local:///opt/spark/examples/jars/spark-examples.jar from "
        "/opt/spark/examples/jars/spark-examples.jar to /opt/spark/work-dir/./spark-examples.jar",
        L('SparkContext', 'Running Spark version %s' % spark_version),
        L('SparkContext', 'OS info Linux, 6.1.0-31-amd64, amd64'),
        L('SparkContext', 'Java version 17.0.13'),
        L('ResourceUtils', '=============================================================='),
        L('SparkContext', 'Submitted application: %s' % app),
        L('SecurityManager', 'Changing view acls to: spark'),
        L('Utils', "Successfully started service 'sparkDriver' on port 7078."),
        L('SparkEnv', 'Registering MapOutputTracker'),
        L('SparkEnv', 'Registering BlockManagerMaster'),
        L('Utils', "Successfully started service 'SparkUI' on port 4040."),
        L('SparkUI', 'Bound SparkUI to 0.0.0.0, and started at http://%s-ui-svc.%s.svc:4040'
          % (app, ns)),
        L('SparkContext', 'Added JAR local:///opt/spark/examples/jars/spark-examples.jar'),
        L('ExecutorPodsAllocator', 'Going to request %d executors from Kubernetes for '
          'ResourceProfile Id: 0, target: %d, known: 0, sharedSlotFromPendingPods: 2147483647.'
          % (execs, execs)),
        L('KubernetesClientUtils', 'Spark configuration files loaded from Some(/opt/spark/conf) : '),
        L('BasicExecutorFeatureStep', 'Decommissioning not enabled, skipping shutdown script'),
        L('Utils', "Successfully started service "
          "'org.apache.spark.network.netty.NettyBlockTransferService' on port 7079."),
        L('BlockManagerMaster', 'Registered BlockManager BlockManagerId(driver, '
          '%s-driver-svc.%s.svc, 7079, None)' % (app, ns)),
        L('SparkContext', 'Spark app id: %s (main class %s)' % (app_id, main_class)),
    ]


def driver_registered(exec_id, ip, t=None):
    return line('INFO', 'KubernetesClusterSchedulerBackend$KubernetesDriverEndpoint',
                'Registered executor NettyRpcEndpointRef(spark-client://Executor) (%s:%d) '
                'with ID %d,  ResourceProfileId 0' % (ip, 40000 + exec_id, exec_id), t)


def driver_progress(step, n_tasks, execs, ips, t=None):
    """Lines of one scheduling step: a task starts and one finishes."""
    e = step % max(execs, 1) + 1
    ip = ips[(e - 1) % len(ips)] if ips else '10.42.0.10'
    out = []
    if step == 0:
        out.append(line('INFO', 'SparkContext', 'Starting job: reduce at SparkPi.scala:38', t))
        out.append(line('INFO', 'DAGScheduler', 'Submitting %d missing tasks from ResultStage 0 '
                        '(MapPartitionsRDD[1] at map at SparkPi.scala:34)' % n_tasks, t))
    task = step % n_tasks
    out.append(line('INFO', 'TaskSetManager', 'Starting task %d.0 in stage 0.0 (TID %d) (%s, '
                    'executor %d, partition %d, PROCESS_LOCAL, 9012 bytes)'
                    % (task, step, ip, e, task), t))
    if step > 0:
        out.append(line('INFO', 'TaskSetManager', 'Finished task %d.0 in stage 0.0 (TID %d) in '
                        '%d ms on %s (executor %d) (%d/%d)'
                        % ((step - 1) % n_tasks, step - 1, random.randint(300, 1500), ip, e,
                           min(step, n_tasks), n_tasks), t))
    return out


def driver_success(app, t=None):
    return [
        line('INFO', 'DAGScheduler', 'ResultStage 0 (reduce at SparkPi.scala:38) finished', t),
        line('INFO', 'DAGScheduler', 'Job 0 finished: reduce at SparkPi.scala:38, took %.6f s'
             % random.uniform(5, 60), t),
        'Pi is roughly 3.14%05d' % random.randint(0, 99999),
        line('INFO', 'SparkContext', 'SparkContext is stopping with exitCode 0.', t),
        line('INFO', 'SparkUI', 'Stopped Spark web UI at http://%s-ui-svc:4040' % app, t),
        line('INFO', 'KubernetesClusterSchedulerBackend', 'Shutting down all executors', t),
        line('INFO', 'KubernetesClusterSchedulerBackend$KubernetesDriverEndpoint',
             'Asking each executor to shut down', t),
        line('INFO', 'SparkContext', 'Successfully stopped SparkContext', t),
        line('INFO', 'ShutdownHookManager', 'Shutdown hook called', t),
    ]


def driver_failure(app, t=None):
    err = ('org.apache.spark.SparkException: Job aborted due to stage failure: Task 3 in '
           'stage 0.0 failed 4 times, most recent failure: Lost task 3.3 in stage 0.0 '
           '(TID 11) (10.42.0.23 executor 2): java.io.FileNotFoundException: '
           'No such file or directory: s3a://lakehouse/bronze/events/part-00003.json')
    return [
        line('WARN', 'TaskSetManager', 'Lost task 3.0 in stage 0.0 (TID 3) (10.42.0.23 '
             'executor 2): java.io.FileNotFoundException: No such file or directory: '
             's3a://lakehouse/bronze/events/part-00003.json', t),
        line('ERROR', 'TaskSetManager', 'Task 3 in stage 0.0 failed 4 times; aborting job', t),
        line('INFO', 'DAGScheduler', 'Job 0 failed: reduce at SparkPi.scala:38, took 12.1 s', t),
        'Exception in thread "main" ' + err,
        '\tat org.apache.spark.scheduler.DAGScheduler.failJobAndIndependentStages(DAGScheduler.scala:2898)',
        '\tat org.apache.spark.scheduler.DAGScheduler.$anonfun$abortStage$2(DAGScheduler.scala:2834)',
        '\tat org.apache.spark.rdd.RDD.reduce(RDD.scala:1093)',
        '\tat org.apache.spark.examples.SparkPi$.main(SparkPi.scala:38)',
        '\tat org.apache.spark.deploy.SparkSubmit.doRunMain$1(SparkSubmit.scala:1029)',
        'Caused by: java.io.FileNotFoundException: No such file or directory: '
        's3a://lakehouse/bronze/events/part-00003.json',
        '\tat org.apache.hadoop.fs.s3a.S3AFileSystem.s3GetFileStatus(S3AFileSystem.java:3866)',
        line('INFO', 'SparkContext', 'SparkContext is stopping with exitCode 1.', t),
        line('INFO', 'SparkUI', 'Stopped Spark web UI at http://%s-ui-svc:4040' % app, t),
        line('INFO', 'ShutdownHookManager', 'Shutdown hook called', t),
    ]


def executor_start(exec_id, app_id, driver_host, t=None):
    L = lambda logger, msg: line('INFO', logger, msg, t)
    return [
        L('CoarseGrainedExecutorBackend', 'Started daemon with process name: 14@%s-exec-%d'
          % (app_id, exec_id)),
        L('SignalUtils', 'Registering signal handler for TERM'),
        L('CoarseGrainedExecutorBackend', 'Connecting to driver: spark://CoarseGrainedScheduler@'
          '%s:7078' % driver_host),
        L('CoarseGrainedExecutorBackend', 'Successfully registered with driver'),
        L('Executor', 'Starting executor ID %d on host %s' % (exec_id, driver_host)),
    ]


def executor_task(tid, t=None):
    return [line('INFO', 'Executor', 'Running task %d.0 in stage 0.0 (TID %d)' % (tid, tid), t),
            line('INFO', 'Executor', 'Finished task %d.0 in stage 0.0 (TID %d). 1012 bytes '
                 'result sent to driver' % (tid, tid), t)]


def executor_stop(t=None):
    return [line('INFO', 'CoarseGrainedExecutorBackend', 'Driver commanded a shutdown', t),
            line('INFO', 'MemoryStore', 'MemoryStore cleared', t),
            line('INFO', 'ShutdownHookManager', 'Shutdown hook called', t)]
