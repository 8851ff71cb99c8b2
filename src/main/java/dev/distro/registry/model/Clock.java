package dev.distro.registry.model;

/** Time source for leases, TTLs and versions; tests inject a fake that they advance by hand. */
@FunctionalInterface
public interface Clock {

  Clock SYSTEM = System::currentTimeMillis;

  long millis();
}
