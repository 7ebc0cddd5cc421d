package io.sheepfs.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Runs n tasks on n threads released at the same moment; bounded in time; the first failure is rethrown. */
final class Together {
    /** Task {@code t} of n; {@code start} is awaited by the caller's code once its setup is done. */
    interface Task {
        void run(int t, CyclicBarrier start) throws Exception;
    }

    private Together() {}

    static void run(int n, Task task) throws Exception {
        CyclicBarrier start = new CyclicBarrier(n);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < n; t++) {
                int id = t;
                fs.add(pool.submit(() -> {
                    task.run(id, start);
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                try {
                    f.get(120, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    throw new AssertionError("thread failed: " + e.getCause(), e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
