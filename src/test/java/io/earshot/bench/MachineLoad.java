package io.earshot.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How much of the machine something other than this JVM used over an interval, in cores, from the kernel's
 * busy time (Linux {@code /proc/stat}) less this process's CPU time: a timing taken while another build shared
 * the cores is not a figure of the code under test. NaN where {@code /proc/stat} cannot be read.
 */
record MachineLoad(long wallNanos, long busyTicks, long processCpuNanos) {

    /** Clock ticks per second of /proc/stat; 100 on Linux. */
    private static final double TICKS_PER_SECOND = 100;
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    static MachineLoad now() {
        return new MachineLoad(System.nanoTime(), readBusyTicks(), OS.getProcessCpuTime());
    }

    /** Cores used by other processes since {@code earlier}. */
    double otherCoresSince(MachineLoad earlier) {
        if (busyTicks < 0 || earlier.busyTicks < 0) {
            return Double.NaN;
        }
        double seconds = (wallNanos - earlier.wallNanos) / 1e9;
        double busy = (busyTicks - earlier.busyTicks) / TICKS_PER_SECOND;
        double mine = (processCpuNanos - earlier.processCpuNanos) / 1e9;
        return Math.max(0, (busy - mine) / seconds);
    }

    /** Cores this JVM used since {@code earlier}: the decoding threads plus garbage collection and compilation. */
    double processCoresSince(MachineLoad earlier) {
        return (processCpuNanos - earlier.processCpuNanos) / (double) (wallNanos - earlier.wallNanos);
    }

    /** User + nice + system + irq + softirq ticks of all cores; idle, iowait and steal are not busy. */
    private static long readBusyTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            return Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                    + Long.parseLong(f[7]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
