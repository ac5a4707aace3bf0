package io.inferflow.cli.local;

/** A port that local mode needs is taken by another process. */
public final class PortInUseException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public PortInUseException(int port, String what, String option) {
        super("port " + port + " (" + what + ") is already in use: stop the process holding it"
                + " (see 'ss -ltnp | grep :" + port + "') or pick another port with " + option);
    }
}
