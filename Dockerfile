# distro-node image: a Maven build stage and a slim JRE run stage.
# Configuration comes from DISTRO_* environment variables only; no secret is baked in
# (give DISTRO_CLUSTER_SECRET at run time, e.g. from a Kubernetes Secret).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src ./src
RUN mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --home-dir /app app
WORKDIR /app
COPY --from=build --chown=10001:10001 /src/target/distro-node.jar /app/distro-node.jar
USER 10001:10001
EXPOSE 8848 9849
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -XX:+UseG1GC"
ENTRYPOINT ["java", "-jar", "/app/distro-node.jar"]
