package dev.distro.registry.config;

/** A bad configuration; the message is one line meant for the operator. */
public final class ConfigException extends Exception {

  public ConfigException(String message) {
    super(message, null, false, false);
  }
}
