package dev.orders.projector.partition;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** {@code orders.partitions.*}: the read model's range partitions (see {@link PartitionMaintenance}). */
@ConfigMapping(prefix = "orders.partitions")
public interface PartitionConfig {
    /** Partition width: {@code month} (24+ partitions over two years) or {@code day}. */
    @WithDefault("month")
    String unit();

    /** Units premade ahead of now. */
    @WithDefault("3")
    int ahead();

    /** Units kept before a partition is detached; 0 keeps everything. */
    @WithDefault("0")
    int retention();

    /** How often partitions are checked (scheduler syntax, read by {@code @Scheduled}). */
    @WithDefault("1h")
    String checkEvery();
}
