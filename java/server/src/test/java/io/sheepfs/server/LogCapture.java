package io.sheepfs.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.stream.Collectors;

/** Collects what the server logs at WARN and above while a test runs. */
final class LogCapture implements AutoCloseable {
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    LogCapture() {
        appender.start();
        root.addAppender(appender);
    }

    /** WARN/ERROR lines logged by io.sheepfs.server classes so far. */
    List<String> warnings() {
        synchronized (appender) {
            return appender.list.stream()
                    .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .filter(e -> e.getLoggerName().startsWith("io.sheepfs.server"))
                    .map(ILoggingEvent::getFormattedMessage)
                    .collect(Collectors.toList());
        }
    }

    @Override
    public void close() {
        root.detachAppender(appender);
    }
}
