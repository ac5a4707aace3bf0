package io.inferflow.cli;

import io.inferflow.model.Ed25519;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.concurrent.Callable;

/** {@code pipeline keys}: signing keys for model pushes. */
@Command(
        name = "keys",
        mixinStandardHelpOptions = true,
        description = "Manage Ed25519 keys that sign model versions.",
        subcommands = {KeysCommand.Generate.class})
final class KeysCommand {

    @Command(
            name = "generate",
            mixinStandardHelpOptions = true,
            description = {
                "Creates an Ed25519 key pair: NAME.key (private, keep it secret; 'model push"
                        + " --key') and NAME.pub (public; trust it with model.trusted-keys)."
            })
    static final class Generate implements Callable<Integer> {

        @Option(names = "--dir", defaultValue = ".", description = "Directory for the files (default: current).")
        Path dir;

        @Option(names = "--name", defaultValue = "inferflow", description = "File name stem (default: ${DEFAULT-VALUE}).")
        String name;

        @Option(names = "--force", description = "Overwrite existing key files.")
        boolean force;

        @Override
        public Integer call() throws Exception {
            Path privateFile = dir.resolve(name + ".key");
            Path publicFile = dir.resolve(name + ".pub");
            if (!force && (Files.exists(privateFile) || Files.exists(publicFile))) {
                throw new IllegalArgumentException(
                        privateFile + " or " + publicFile + " exists; use --force to replace them");
            }
            Files.createDirectories(dir);
            KeyPair pair = Ed25519.generate();
            Ed25519.writeKeyPair(pair, privateFile, publicFile);
            String id = Ed25519.keyId(pair.getPublic());
            System.out.println("private key  " + privateFile.toAbsolutePath() + "  (secret)");
            System.out.println("public key   " + publicFile.toAbsolutePath());
            System.out.println("key id       " + id);
            System.out.println("trust it in the job configuration with:");
            System.out.println("  model.trusted-keys: " + id + "=" + Ed25519.encodePublic(pair.getPublic()));
            return 0;
        }
    }
}
