package dev.hako.engine.container;

import java.util.List;
import java.util.random.RandomGenerator;

/** docker-style generated names: adjective_surname. */
final class NameGenerator {
    private static final List<String> LEFT = List.of("admiring", "brave", "calm", "clever", "dazzling", "eager",
            "elegant", "festive", "focused", "gallant", "happy", "jolly", "keen", "loving", "modest", "nifty",
            "optimistic", "peaceful", "quirky", "relaxed", "serene", "stoic", "tender", "upbeat", "vibrant", "wizardly",
            "youthful", "zealous");
    private static final List<String> RIGHT = List.of("babbage", "curie", "darwin", "euler", "fermi", "gauss",
            "hopper", "hypatia", "kepler", "lamport", "lovelace", "mccarthy", "noether", "pascal", "ritchie", "shannon",
            "thompson", "torvalds", "turing", "wozniak", "yalow", "zuse");

    private NameGenerator() {}

    /** {@code retry} > 0 appends a digit, as docker does after a collision. */
    static String generate(RandomGenerator random, int retry) {
        String name = LEFT.get(random.nextInt(LEFT.size())) + "_" + RIGHT.get(random.nextInt(RIGHT.size()));
        return retry > 0 ? name + random.nextInt(10) : name;
    }
}
